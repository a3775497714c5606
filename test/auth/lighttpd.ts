import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isListening } from '../support/http.js';
import { CLI, REPO_ROOT, startProcess } from '../support/processes.js';
import type { Running } from '../support/processes.js';
import { freePort, waitFor } from '../support/tools.js';

/** How the auth tests change the rendered lighttpd.conf.example. */
export interface AuthLighttpdOptions {
  /** Extra arguments of the `atommq serve --fastcgi` behind /bus (e.g. `--auth FILE`). */
  readonly serveArgs?: readonly string[];
  /** ATOMMQ_AUTH for the CGI and the spawned FastCGI script. */
  readonly scriptAuth?: string;
  /** lighttpd mod_auth: an htpasswd file, required on these URL prefixes. */
  readonly modAuth?: { readonly userfile: string; readonly realm: string; readonly prefixes: readonly string[] };
}

/** A lighttpd on the rendered example, and the `atommq serve --fastcgi` behind /bus, whose stderr is kept. */
export interface AuthLighttpd {
  readonly port: number;
  readonly serve: Running;
  /** lighttpd's error log, where the CGI and spawned FastCGI scripts' stderr lands too. */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Renders lighttpd.conf.example as test/support/processes.ts does (temporary state folder, free
 * port), then adds what an operator adds for authentication: ATOMMQ_AUTH in the scripts'
 * environments, and optionally mod_auth + mod_authn_file in front of some prefixes.
 */
export async function startAuthLighttpd(options: AuthLighttpdOptions): Promise<AuthLighttpd> {
  const stateDir = await mkdtemp(join(tmpdir(), 'atommq-auth-lighttpd-'));
  const port = await freePort();
  const dsn = `sqlite:${stateDir}/atommq.db`;
  let config = (await readFile(join(REPO_ROOT, 'lighttpd.conf.example'), 'utf8'))
    .replace(/^var\.atommq_home\s*=.*$/m, `var.atommq_home = "${REPO_ROOT}"`)
    .replace(/^var\.atommq_state\s*=.*$/m, `var.atommq_state = "${stateDir}"`)
    .replace(/^server\.port\s*=.*$/m, `server.port = ${port}`)
    .replaceAll('"sqlite:" + var.atommq_state + "/atommq.db"', JSON.stringify(dsn));
  if (options.scriptAuth !== undefined) {
    config = replaceOrFail(config, /"ATOMMQ_DSN" =>/g, `"ATOMMQ_AUTH" => ${JSON.stringify(options.scriptAuth)}, "ATOMMQ_DSN" =>`);
  }
  if (options.modAuth !== undefined) {
    // mod_auth must come before the modules that answer requests (mod_cgi, mod_fastcgi).
    config = replaceOrFail(config, /"mod_access",/, '"mod_access", "mod_auth", "mod_authn_file",');
    const basic = `( "method" => "basic", "realm" => ${JSON.stringify(options.modAuth.realm)}, "require" => "valid-user" )`;
    config += [
      '',
      'auth.backend = "htpasswd"',
      `auth.backend.htpasswd.userfile = ${JSON.stringify(options.modAuth.userfile)}`,
      `auth.require = ( ${options.modAuth.prefixes.map((prefix) => `${JSON.stringify(prefix)} => ${basic}`).join(', ')} )`,
      '',
    ].join('\n');
  }
  await mkdir(join(stateDir, 'htdocs'));
  const configPath = join(stateDir, 'lighttpd.conf');
  await writeFile(configPath, config);
  const socket = join(stateDir, 'atommq.sock');
  const serve = startProcess(process.execPath, [CLI, 'serve', '--fastcgi', socket, '--dsn', dsn, ...(options.serveArgs ?? [])]);
  await waitFor(`atommq serve --fastcgi socket (${serve.stderr()})`, async () => existsSync(socket));
  const lighttpd = startProcess('lighttpd', ['-D', '-f', configPath]);
  await waitFor(`lighttpd on port ${port} (${lighttpd.stderr()})`, () => isListening(port));
  return {
    port,
    serve,
    errorLog: () => readFile(join(stateDir, 'lighttpd-error.log'), 'utf8').catch(() => ''),
    stop: async () => {
      await lighttpd.stop();
      await serve.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

function replaceOrFail(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`lighttpd.conf.example no longer matches ${pattern}; update test/auth/lighttpd.ts`);
  pattern.lastIndex = 0;
  return text.replace(pattern, replacement);
}
