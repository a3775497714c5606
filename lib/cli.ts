#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { describeFeed, parseSettings, runMaintenance } from './admin.js';
import { DEFAULT_CONFIG } from './core/deps.js';
import { AtomMQ } from './index.js';
import { LazyStore } from './storage/lazy-store.js';
import { listenAsPlanned } from './serve-listen.js';
import { CLIENT_USAGE, findClientCommand, runClientCommand } from './cli/client-commands.js';
import { serveBanner } from './cli/serve-banner.js';

/**
 * `atommq serve`: the standalone server. Every flag has an environment variable, and a flag
 * wins over its variable.
 *
 * | flag | variable | default |
 * |---|---|---|
 * | --port N | ATOMMQ_PORT (or PORT) | 5000 |
 * | --host H | ATOMMQ_HOST | 127.0.0.1 |
 * | --fastcgi PATH or HOST:PORT | ATOMMQ_FASTCGI | (serve HTTP) |
 * | --dsn DSN | ATOMMQ_DSN | sqlite:atommq.db |
 * | --feed NAME | ATOMMQ_FEED | (multi-feed mode) |
 * | --page-size N | ATOMMQ_PAGE_SIZE | 1000 |
 * | --max-body BYTES | ATOMMQ_MAX_BODY | 1048576 |
 * | --author NAME | ATOMMQ_AUTHOR | AtomMQ |
 * | --user U, --password P | ATOMMQ_DB_USER, ATOMMQ_DB_PASSWORD | (from the DSN) |
 * | --auth FILE | ATOMMQ_AUTH | (no authentication: everything open) |
 * | --socket-mode MODE, --socket-group GROUP | ATOMMQ_SOCKET_MODE, ATOMMQ_SOCKET_GROUP | 0660, the process's group |
 * | --activated-protocol fastcgi or http | ATOMMQ_ACTIVATED_PROTOCOL | fastcgi (see serve-listen.ts) |
 * | --allow-origin LIST | ATOMMQ_ALLOW_ORIGINS | (only the server's own origin) |
 */
const USAGE = `usage: atommq serve [--port N] [--host H] [--fastcgi PATH|HOST:PORT] [--dsn DSN]
                    [--feed NAME] [--page-size N] [--max-body BYTES] [--author NAME]
                    [--user U] [--password P] [--auth FILE]
                    [--socket-mode MODE] [--socket-group GROUP] [--activated-protocol fastcgi|http]
                    [--allow-origin ORIGIN,…]
       atommq feeds list [--dsn DSN]
       atommq feeds set NAME [--max-age SECONDS|none] [--max-count N|none] [--page-size N|none]
       atommq feeds delete NAME [--dsn DSN]
       atommq prune [NAME] [--dsn DSN]
Every flag has an environment variable: ATOMMQ_PORT, ATOMMQ_HOST, ATOMMQ_FASTCGI, ATOMMQ_DSN,
ATOMMQ_FEED, ATOMMQ_PAGE_SIZE, ATOMMQ_MAX_BODY, ATOMMQ_AUTHOR, ATOMMQ_DB_USER, ATOMMQ_DB_PASSWORD,
ATOMMQ_AUTH, ATOMMQ_SOCKET_MODE, ATOMMQ_SOCKET_GROUP, ATOMMQ_ACTIVATED_PROTOCOL,
ATOMMQ_ALLOW_ORIGINS.`;

const OPTIONS = {
  port: { type: 'string' }, host: { type: 'string' }, fastcgi: { type: 'string' }, dsn: { type: 'string' },
  feed: { type: 'string' }, 'page-size': { type: 'string' }, 'max-body': { type: 'string' },
  author: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' }, help: { type: 'boolean' },
  'max-age': { type: 'string' }, 'max-count': { type: 'string' }, auth: { type: 'string' },
  'socket-mode': { type: 'string' }, 'socket-group': { type: 'string' }, 'activated-protocol': { type: 'string' },
  'allow-origin': { type: 'string' },
} as const;

/** Reads a flag, falling back to its environment variable. */
function setting(values: Record<string, string | boolean | undefined>, flag: keyof typeof OPTIONS, variable: string): string | undefined {
  const value = values[flag];
  return typeof value === 'string' ? value : process.env[variable];
}

function positiveInteger(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`${name} must be a positive integer, not ${text}`);
  return Number(text);
}

async function main(argv: string[]): Promise<void> {
  // publish, tail, import and feeds URL talk to a server over HTTP, with options of their own.
  const clientCommand = findClientCommand(argv);
  if (clientCommand !== undefined) {
    process.exitCode = await runClientCommand(clientCommand, argv);
    return;
  }
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const command = positionals[0];
  if (command === 'feeds' || command === 'prune') {
    await administer(positionals, values);
    return;
  }
  if (values.help || command !== 'serve') {
    process.stderr.write(`${USAGE}\n       ${CLIENT_USAGE.join('\n       ')}\n`);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const server = new AtomMQ({
    dsn: setting(values, 'dsn', 'ATOMMQ_DSN'),
    feed: setting(values, 'feed', 'ATOMMQ_FEED'),
    pageSize: positiveInteger(setting(values, 'page-size', 'ATOMMQ_PAGE_SIZE'), '--page-size'),
    maxBodyBytes: positiveInteger(setting(values, 'max-body', 'ATOMMQ_MAX_BODY'), '--max-body'),
    author: setting(values, 'author', 'ATOMMQ_AUTHOR'),
    user: setting(values, 'user', 'ATOMMQ_DB_USER'),
    password: setting(values, 'password', 'ATOMMQ_DB_PASSWORD'),
    auth: setting(values, 'auth', 'ATOMMQ_AUTH'),
    allowedOrigins: (setting(values, 'allow-origin', 'ATOMMQ_ALLOW_ORIGINS') ?? '').split(/[\s,]+/).filter((o) => o !== ''),
  });
  const flags: Record<string, string | boolean | undefined> = values;
  const { listener, description, http } = await listenAsPlanned(server, (flag, variable) => {
    const value = flags[flag];
    return typeof value === 'string' ? value : process.env[variable];
  });
  process.stderr.write(serveBanner({ description, http, feed: server.config.feed, dsn: setting(values, 'dsn', 'ATOMMQ_DSN') ?? 'sqlite:atommq.db' }));
  server.stopOnSignals(listener); // graceful: README, "Stopping"
}

/** `atommq feeds …` and `atommq prune`: administration through the same DSN settings. */
async function administer(positionals: readonly string[], values: Record<string, string | boolean | undefined>): Promise<void> {
  const store = new LazyStore(setting(values, 'dsn', 'ATOMMQ_DSN') ?? 'sqlite:atommq.db',
    { user: setting(values, 'user', 'ATOMMQ_DB_USER'), password: setting(values, 'password', 'ATOMMQ_DB_PASSWORD') });
  try {
    const [command, sub, name] = positionals;
    if (command === 'prune') {
      const removed = await runMaintenance(store, new Date(), DEFAULT_CONFIG.idempotencySeconds, sub);
      for (const [feed, count] of removed) process.stdout.write(`${feed}\tremoved=${count}\n`);
    } else if (sub === 'list') {
      for (const feed of await store.listFeeds()) process.stdout.write(`${describeFeed(feed, await store.countEntries(feed.id))}\n`);
    } else if (sub === 'set' && name !== undefined) {
      const text = (flag: string): string | undefined => (typeof values[flag] === 'string' ? values[flag] : undefined);
      const settings = parseSettings({ 'max-age': text('max-age'), 'max-count': text('max-count'), 'page-size': text('page-size') });
      process.stdout.write(`${describeFeed(await store.updateSettings(name, settings))}\n`);
    } else if (sub === 'delete' && name !== undefined) {
      if (!(await store.deleteFeed(name))) throw new Error(`no feed is named ${name}`);
      process.stdout.write(`deleted ${name}\n`);
    } else {
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = 2;
    }
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`atommq: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
