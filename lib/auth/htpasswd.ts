/** A stored password hash of a format AtomMQ verifies. */
export type PasswordHash =
  | { readonly kind: 'bcrypt'; readonly hash: string }
  | { readonly kind: 'sha1'; readonly digest: string };

/** bcrypt as `htpasswd -B` writes it ($2y$), and the $2a$/$2b$ of other tools: cost, then 53 characters. */
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
/** `htpasswd -s`: `{SHA}` and the base64 SHA-1 digest (20 bytes). */
const SHA1 = /^\{SHA\}([A-Za-z0-9+/]{27}=)$/;

/**
 * Parses an htpasswd file into hashes by user. Blank lines and `#` comments are skipped. Any hash
 * other than bcrypt or {SHA} is an error at load time rather than a login that can never succeed,
 * and so is a user listed twice. Messages name the line and the user, never the hash.
 */
export function parseHtpasswd(text: string): ReadonlyMap<string, PasswordHash> {
  const users = new Map<string, PasswordHash>();
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const where = `line ${index + 1}`;
    const colon = line.indexOf(':');
    if (colon < 1) throw new Error(`${where}: expected "user:hash"`);
    const user = line.slice(0, colon);
    const stored = line.slice(colon + 1);
    if (users.has(user)) throw new Error(`${where}: user ${JSON.stringify(user)} is listed twice`);
    users.set(user, parseHash(stored, `${where} (user ${JSON.stringify(user)})`));
  }
  return users;
}

function parseHash(stored: string, where: string): PasswordHash {
  if (BCRYPT.test(stored)) return { kind: 'bcrypt', hash: stored };
  const sha1 = SHA1.exec(stored)?.[1];
  if (sha1 !== undefined) return { kind: 'sha1', digest: sha1 };
  throw new Error(`${where}: ${describeHash(stored)} is not supported; use bcrypt (htpasswd -B) or {SHA} (htpasswd -s)`);
}

/** Names a hash format without printing the hash. */
function describeHash(stored: string): string {
  if (stored.startsWith('$apr1$')) return 'an Apache MD5 hash (htpasswd -m)';
  if (/^\$(1|5|6|y|gy|7)\$/.test(stored)) return 'a crypt(3) hash of this kind';
  if (/^[./A-Za-z0-9]{13}$/.test(stored)) return 'a DES crypt hash (htpasswd -d)';
  return 'a plain-text or unknown password format';
}
