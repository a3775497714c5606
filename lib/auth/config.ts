import type { AccessRules } from './rules.js';
import { objectOf, parseRules } from './rules.js';

/** The parsed auth config file (the format is in the README, "Authentication"). */
export interface AuthConfig {
  /** The realm of the Basic challenge (default "AtomMQ"). */
  readonly realm: string;
  /** The htpasswd file as written in the config; undefined when only the web server authenticates. */
  readonly htpasswd: string | undefined;
  readonly rules: AccessRules;
}

/** The realm when the config names none. */
export const DEFAULT_REALM = 'AtomMQ';

const KEYS = ['realm', 'htpasswd', 'groups', 'feeds'];

/**
 * Checks a parsed JSON config and builds {@link AuthConfig}. Unknown keys are errors, so a typo
 * never silently opens a feed; the Error says what is wrong and where.
 */
export function parseAuthConfig(value: unknown): AuthConfig {
  const config = objectOf(value, 'the config');
  for (const key of Object.keys(config)) {
    if (!KEYS.includes(key)) throw new Error(`unknown key "${key}" (the keys are ${KEYS.map((k) => `"${k}"`).join(', ')})`);
  }
  if (config['feeds'] === undefined) throw new Error('"feeds" is missing: it says who may read and write each feed');
  return {
    realm: parseRealm(config['realm']),
    htpasswd: parseHtpasswdPath(config['htpasswd']),
    rules: parseRules(config['feeds'], config['groups']),
  };
}

/** RFC 9110 §11.2: the realm is a quoted-string; printable ASCII without `"` and `\` needs no escapes. */
function parseRealm(value: unknown): string {
  if (value === undefined) return DEFAULT_REALM;
  if (typeof value !== 'string' || !/^[\x20-\x7e]{1,200}$/.test(value) || /["\\]/.test(value)) {
    throw new Error('"realm": expected 1-200 printable ASCII characters without " or \\');
  }
  return value;
}

function parseHtpasswdPath(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new Error('"htpasswd": expected the path of an htpasswd file');
  return value;
}
