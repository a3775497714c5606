/** The subset of node-fastcgi 2.x that AtomMQ calls; the package ships no types. */
declare module 'node-fastcgi' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { EventEmitter } from 'node:events';

  /** A FastCGI server; `listen()` with no address takes the socket on fd 0. */
  export interface FastCgiServer extends EventEmitter {
    close(callback?: (error?: Error) => void): this;
    listen(callback?: () => void): this;
    listen(path: string, callback?: () => void): this;
    listen(port: number, host: string, callback?: () => void): this;
    listen(options: { readonly path?: string; readonly port?: number; readonly host?: string; readonly backlog?: number }, callback?: () => void): this;
  }

  const fcgi: {
    createServer(responder: (req: IncomingMessage, res: ServerResponse) => void): FastCgiServer;
    /** True when stdin is a socket, i.e. a web server spawned this process as FastCGI. */
    isService(): boolean;
  };
  export default fcgi;
}
