import { createServer } from 'node:net';
import type { Socket } from 'node:net';

/**
 * A loopback listener that hostile documents point their external entities, DTDs and XIncludes
 * at. The parser must never fetch anything, so any connection it sees is a failure.
 */
export interface Canary {
  /** An http:// URL on the listener. */
  readonly url: string;
  /** How many connections it has accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Starts the listener on a free loopback port. */
export function startCanary(): Promise<Canary> {
  return new Promise((resolve, reject) => {
    let count = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      count += 1;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: close\r\n\r\nCANARY-FETCH');
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/canary`,
        connections: () => count,
        close: () => new Promise((done) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}
