import { spawn } from 'node:child_process';
import type { CgiEnv } from '../../lib/core/env.js';
import type { TestResponse } from './http.js';

/** The script users copy into cgi-bin. */
export const CGI_SCRIPT = new URL('../../../cgi-bin/mycoolfeed', import.meta.url).pathname;

/**
 * Runs the CGI script as a web server would: a fresh process with the CGI env and the body on
 * stdin; parses the `Status:` line, headers and body it writes to stdout.
 */
export function runCgi(env: CgiEnv, body: Uint8Array, extraEnv: Readonly<Record<string, string>> = {}): Promise<TestResponse & { stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CGI_SCRIPT, [], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...definedOnly(env), ...extraEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // the script may answer 413 without reading
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        reject(new Error(`CGI script exited with ${code}: ${stderr}`));
        return;
      }
      try {
        resolve({ ...parseCgiOutput(Buffer.concat(out)), stderr });
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.end(body);
  });
}

/** Parses CGI output (RFC 3875 §6) into a response. */
export function parseCgiOutput(output: Buffer): TestResponse {
  const split = output.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`CGI output has no header end: ${output.toString('utf8').slice(0, 200)}`);
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of output.subarray(0, split).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number(value.split(' ')[0]);
    else headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status, headers, body: output.subarray(split + 4).toString('utf8') };
}

function definedOnly(env: CgiEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) result[k] = v;
  return result;
}
