import bcrypt from 'bcryptjs';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PasswordHash } from './htpasswd.js';

/**
 * Returns true when `password` matches the stored hash. bcrypt through bcryptjs (pure JS, so no
 * native build; it yields to the event loop while it works); {SHA} as base64 SHA-1 of the UTF-8
 * bytes, compared in constant time.
 */
export async function verifyPassword(stored: PasswordHash, password: string): Promise<boolean> {
  switch (stored.kind) {
    case 'bcrypt':
      return bcrypt.compare(password, stored.hash);
    case 'sha1': {
      const actual = createHash('sha1').update(password, 'utf8').digest();
      const expected = Buffer.from(stored.digest, 'base64');
      return actual.byteLength === expected.byteLength && timingSafeEqual(actual, expected);
    }
  }
}
