import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AtomMQOptions } from '../../lib/index.js';
import { AtomMQ } from '../../lib/index.js';
import { hasBody } from '../../lib/core/response.js';
import type { EnvOptions } from './env.js';
import { bodyOf, envFor } from './env.js';
import type { TestResponse } from './http.js';

/** An in-process AtomMQ over a temporary SQLite file, answering request lines such as 'GET /'. */
export interface TestApp {
  readonly app: AtomMQ;
  readonly dir: string;
  call(requestLine: string, options?: EnvOptions): Promise<TestResponse & { readonly bytes: Uint8Array }>;
  close(): Promise<void>;
}

/** Starts an in-process AtomMQ (multi-feed unless `options.feed`) on a fresh SQLite database. */
export async function startApp(options: AtomMQOptions = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-app-'));
  const app = new AtomMQ({ dsn: `sqlite:${join(dir, 'bus.db')}`, ...options });
  return {
    app,
    dir,
    async call(requestLine, envOptions = {}) {
      const { env, body } = envFor(requestLine, envOptions);
      const response = await app.handle(env, bodyOf(body));
      const headers: Record<string, string> = {};
      for (const [k, v] of response.headers) headers[k.toLowerCase()] = v;
      const bytes = hasBody(response) ? response.body : new Uint8Array(0);
      return { status: response.status, headers, body: Buffer.from(bytes).toString('utf8'), bytes };
    },
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
