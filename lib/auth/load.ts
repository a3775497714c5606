import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseAuthConfig } from './config.js';
import { FileAuthenticator } from './file-authenticator.js';
import { parseHtpasswd } from './htpasswd.js';
import type { PasswordHash } from './htpasswd.js';
import type { Authenticator } from './identity.js';

/**
 * Reads an auth config file (JSON; the format is in the README, "Authentication") and the
 * htpasswd file it names, relative to the config's own folder. Any fault (unreadable file,
 * bad JSON, unknown key, unsupported hash) throws at start-up with the file and the reason, and
 * never with a hash or a password in the message.
 */
export function loadAuthenticator(path: string): Authenticator {
  if (path === '') throw new Error('auth config: the path is empty (leave the setting unset to turn authentication off)');
  const config = withContext(`auth config ${path}`, () => parseAuthConfig(JSON.parse(readFileSync(path, 'utf8'))));
  let passwords: ReadonlyMap<string, PasswordHash> | undefined;
  if (config.htpasswd !== undefined) {
    const file = resolve(dirname(path), config.htpasswd);
    passwords = withContext(`htpasswd file ${file} (named by ${path})`, () => parseHtpasswd(readFileSync(file, 'utf8')));
  }
  return new FileAuthenticator(config, passwords);
}

function withContext<T>(where: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
