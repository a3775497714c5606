import { connect } from 'node:net';

/** A request on its own connection: `connected` resolves once the kernel accepted the connection. */
export interface RawExchange {
  readonly connected: Promise<void>;
  /** The whole response, read until the server closes the connection. */
  readonly response: Promise<{ readonly status: number; readonly head: string; readonly body: string }>;
}

/**
 * Sends one HTTP/1.1 request with `Connection: close` on a fresh connection, once it is
 * established, so a test can tell "the connection was made" from "the request was answered".
 */
export function rawRequest(port: number, method: string, path: string, headers: Readonly<Record<string, string>> = {}, body = ''): RawExchange {
  const socket = connect(port, '127.0.0.1');
  const connected = new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const response = connected.then(() => new Promise<{ status: number; head: string; body: string }>((resolve, reject) => {
    let text = '';
    socket.on('data', (c: Buffer) => { text += c.toString('latin1'); });
    socket.once('end', () => {
      const split = text.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), head: text.slice(0, split), body: text.slice(split + 4) });
    });
    socket.once('error', reject);
    const lines = Object.entries({ Host: `127.0.0.1:${port}`, ...headers, ...(body === '' ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }), Connection: 'close' });
    socket.write(`${method} ${path} HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`);
  }));
  return { connected, response };
}
