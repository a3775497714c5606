import type { FastCgiListen } from './adapters/fastcgi.js';
import { parseFastCgiListen } from './adapters/fastcgi.js';
import type { HttpListen } from './adapters/http.js';
import { takeActivatedSocket } from './adapters/socket-activation.js';
import { DEFAULT_SOCKET_MODE, parseSocketMode } from './adapters/socket-permissions.js';
import type { AtomMQ, Listener } from './index.js';

/** Reads a setting: the flag's value, else its environment variable's, else undefined. */
export type ReadSetting = (flag: string, variable: string) => string | undefined;

/** What `atommq serve` decided to listen on. */
type Plan = { readonly kind: 'fastcgi'; readonly listen: FastCgiListen; readonly description: string }
  | { readonly kind: 'http'; readonly listen: HttpListen; readonly description: string };

/**
 * Decides where `atommq serve` listens, in this order:
 * 1. a socket systemd passed (LISTEN_FDS and LISTEN_PID naming this process): FastCGI on it,
 *    or HTTP with `--activated-protocol http` or a socket unit's `FileDescriptorName=http`;
 * 2. `--fastcgi PATH` (with `--socket-mode`, default 0660, and `--socket-group`) or
 *    `--fastcgi HOST:PORT`;
 * 3. HTTP on `--port` and `--host`.
 */
export function planListen(read: ReadSetting): Plan {
  const protocol = read('activated-protocol', 'ATOMMQ_ACTIVATED_PROTOCOL');
  if (protocol !== undefined && protocol !== 'fastcgi' && protocol !== 'http') throw new Error(`--activated-protocol must be fastcgi or http, not ${protocol}`);
  const modeText = read('socket-mode', 'ATOMMQ_SOCKET_MODE');
  const group = read('socket-group', 'ATOMMQ_SOCKET_GROUP');
  const mode = modeText === undefined ? DEFAULT_SOCKET_MODE : parseSocketMode(modeText);
  const activated = takeActivatedSocket();
  if (activated !== undefined) {
    const isHttp = (protocol ?? (activated.name === 'http' ? 'http' : 'fastcgi')) === 'http';
    const description = `${isHttp ? 'HTTP' : 'FastCGI'} on the socket systemd passed (fd ${activated.fd})`;
    return isHttp ? { kind: 'http', listen: { fd: activated.fd }, description } : { kind: 'fastcgi', listen: { kind: 'fd', fd: activated.fd }, description };
  }
  const fastcgi = read('fastcgi', 'ATOMMQ_FASTCGI');
  if (fastcgi !== undefined) {
    const listen = parseFastCgiListen(fastcgi);
    if (listen.kind !== 'path') {
      if (modeText !== undefined || group !== undefined) throw new Error('--socket-mode and --socket-group apply to a Unix socket path, not to HOST:PORT');
      return { kind: 'fastcgi', listen, description: `FastCGI on ${fastcgi}` };
    }
    const octal = mode.toString(8).padStart(4, '0');
    return { kind: 'fastcgi', listen: { ...listen, access: { mode, group } }, description: `FastCGI on ${fastcgi} (mode ${octal}${group === undefined ? '' : `, group ${group}`})` };
  }
  const portText = read('port', 'ATOMMQ_PORT') ?? process.env['PORT'];
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) throw new Error(`--port must be a port number, not ${portText}`);
  const port = portText === undefined ? 5000 : Number(portText);
  const host = read('host', 'ATOMMQ_HOST') ?? '127.0.0.1';
  return { kind: 'http', listen: { port, host }, description: `HTTP on http://${host}:${port}/` };
}

/** Starts `server` as {@link planListen} decides; returns the listener and what it serves. */
export async function listenAsPlanned(server: AtomMQ, read: ReadSetting): Promise<{ listener: Listener; description: string; http: { host: string; port: number } | undefined }> {
  const plan = planListen(read);
  const listener = plan.kind === 'fastcgi' ? await server.serveFastCgi(plan.listen) : await server.serveHttp(plan.listen);
  const http = plan.kind === 'http' && 'port' in plan.listen ? { host: plan.listen.host, port: plan.listen.port } : undefined;
  return { listener, description: plan.description, http };
}
