import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { TestResponse } from '../support/http.js';

/**
 * A raw HTTP/1.1 client for hostile requests that node:http refuses to send: a lying
 * Content-Length, header lines with bare CR or obs-fold, a chunked body that never ends within
 * the limit, and a client that disconnects mid-body. Loopback only.
 */

/** One request, written to the socket as given. */
export interface RawRequest {
  readonly method: string;
  /** The request-target, sent verbatim (already percent-encoded). */
  readonly target: string;
  /** Header lines, sent verbatim after `Host` (unless they hold one) and `Connection: close`. */
  readonly headerLines?: readonly string[];
  /** The body: bytes, or chunks (a 50 MB body is one 1 MB buffer written 50 times). */
  readonly body?: Uint8Array | Iterable<Uint8Array>;
  /** Sends the body with `Transfer-Encoding: chunked`. */
  readonly chunked?: boolean;
  /** The Content-Length to announce; by default the real length of a byte body. */
  readonly contentLength?: number;
  /** Closes the connection right after the body is written, without waiting for an answer. */
  readonly disconnectAfterBody?: boolean;
}

/** A parsed response, plus its raw head for header-injection checks. */
export interface RawResponse extends TestResponse {
  readonly head: string;
}

const CRLF = '\r\n';

/** Sends `request` to 127.0.0.1:`port` and reads the response (status 0 when none came). */
export function rawHttp(port: number, request: RawRequest, timeoutMs = 30_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(parseResponse(Buffer.concat(received)));
    };
    const timer = setTimeout(() => finish(new Error(`no answer from port ${port} within ${timeoutMs} ms: ${request.method} ${request.target.slice(0, 80)}`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (isComplete(Buffer.concat(received))) finish();
    });
    // A server may answer early (413) and close while the body is still being written: the
    // write fails with EPIPE or ECONNRESET, and what it answered is still the response.
    socket.on('error', () => finish());
    socket.on('close', () => finish());
    socket.once('connect', () => {
      writeRequest(socket, port, request, () => received.length > 0).then(
        () => { if (request.disconnectAfterBody) finish(); },
        () => finish());
    });
  });
}

async function writeRequest(socket: Socket, port: number, request: RawRequest, answered: () => boolean): Promise<void> {
  const body = request.body;
  const length = request.contentLength ?? (body instanceof Uint8Array ? body.byteLength : undefined);
  const extra = request.headerLines ?? [];
  const host = extra.some((line) => /^host:/i.test(line)) ? [] : [`Host: 127.0.0.1:${port}`];
  const lines = [`${request.method} ${request.target} HTTP/1.1`, ...host, 'Connection: close', ...extra];
  if (request.chunked) lines.push('Transfer-Encoding: chunked');
  else if (length !== undefined && (body !== undefined || request.contentLength !== undefined)) lines.push(`Content-Length: ${length}`);
  await write(socket, Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'latin1'));
  if (body !== undefined) {
    for (const chunk of body instanceof Uint8Array ? [body] : body) {
      // Like a browser or curl, stop sending once the server has answered (a 413).
      if (socket.destroyed || answered()) return;
      if (request.chunked) await write(socket, Buffer.from(`${chunk.byteLength.toString(16)}${CRLF}`, 'latin1'));
      await write(socket, chunk);
      if (request.chunked) await write(socket, Buffer.from(CRLF, 'latin1'));
    }
  }
  if (request.chunked && !request.disconnectAfterBody) await write(socket, Buffer.from(`0${CRLF}${CRLF}`, 'latin1'));
}

/** Writes one buffer, waiting for the socket to drain so a 50 MB body never piles up in memory. */
function write(socket: Socket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) {
      reject(new Error('socket closed'));
      return;
    }
    socket.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}

function headEnd(bytes: Buffer): number {
  return bytes.indexOf('\r\n\r\n');
}

function headersOf(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.split(CRLF).slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

/** True once a whole response (head, and a Content-Length or chunked body) has arrived. */
function isComplete(bytes: Buffer): boolean {
  const end = headEnd(bytes);
  if (end < 0) return false;
  const headers = headersOf(bytes.subarray(0, end).toString('latin1'));
  const rest = bytes.subarray(end + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') return decodeChunked(rest) !== undefined;
  const length = headers['content-length'];
  return length !== undefined && rest.byteLength >= Number(length);
}

/** Decodes a chunked body, or returns undefined while it is incomplete. */
function decodeChunked(bytes: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf(CRLF, at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (bytes.byteLength < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

function parseResponse(bytes: Buffer): RawResponse {
  const end = headEnd(bytes);
  if (end < 0) return { status: 0, headers: {}, body: bytes.toString('utf8'), head: bytes.toString('latin1') };
  const head = bytes.subarray(0, end).toString('latin1');
  const headers = headersOf(head);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const rest = bytes.subarray(end + 4);
  const body = headers['transfer-encoding']?.toLowerCase() === 'chunked'
    ? decodeChunked(rest) ?? rest
    : headers['content-length'] !== undefined ? rest.subarray(0, Number(headers['content-length'])) : rest;
  return { status, headers, body: body.toString('utf8'), head };
}
