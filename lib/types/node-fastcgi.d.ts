/** The subset of node-fastcgi 2.x that AtomMQ calls; the package ships no types. */
declare module 'node-fastcgi' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { Server } from 'node:net';

  /**
   * A FastCGI server: a net.Server (it is one) whose `listen()` with no address takes the
   * socket on fd 0, and whose 'request' events carry http-like objects.
   */
  export type FastCgiServer = Server;

  const fcgi: {
    createServer(responder: (req: IncomingMessage, res: ServerResponse) => void): FastCgiServer;
    /** True when stdin is a socket, i.e. a web server spawned this process as FastCGI. */
    isService(): boolean;
  };
  export default fcgi;
}
