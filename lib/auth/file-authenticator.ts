import type { CgiEnv } from '../core/env.js';
import { parseBasicAuthorization } from './basic.js';
import type { AuthConfig } from './config.js';
import { CredentialCache } from './credential-cache.js';
import type { PasswordHash } from './htpasswd.js';
import type { Action, AuthenticationResult, Authenticator, Identity } from './identity.js';
import { verifyPassword } from './password.js';
import { isAllowed } from './rules.js';

/**
 * The {@link Authenticator} of an auth config file. The web server's word comes first: when it
 * set REMOTE_USER (lighttpd mod_auth, Apache `Require`), that user is trusted and the
 * Authorization header is not checked again. Otherwise, when the config names an htpasswd file,
 * Basic credentials are checked against it; without one, every request that the web server did
 * not authenticate is anonymous.
 */
export class FileAuthenticator implements Authenticator {
  readonly basicRealm: string | undefined;
  /** A bcrypt hash to check unknown users against, so they take as long as known ones. */
  private readonly decoy: PasswordHash | undefined;

  constructor(
    private readonly config: AuthConfig,
    private readonly passwords: ReadonlyMap<string, PasswordHash> | undefined,
    private readonly cache = new CredentialCache(),
  ) {
    this.basicRealm = passwords === undefined ? undefined : config.realm;
    this.decoy = [...(passwords?.values() ?? [])].find((hash) => hash.kind === 'bcrypt');
  }

  async authenticate(env: CgiEnv): Promise<AuthenticationResult> {
    const remoteUser = env['REMOTE_USER'];
    // RFC 3875 §4.1.11, §4.1.1: set only when the web server authenticated the request.
    if (remoteUser !== undefined && remoteUser !== '') {
      return { user: remoteUser, checkedBy: 'web-server', scheme: env['AUTH_TYPE'] || 'unknown' };
    }
    if (this.passwords === undefined) return undefined;
    const credentials = parseBasicAuthorization(env['HTTP_AUTHORIZATION']);
    if (credentials === undefined || credentials === 'malformed') return credentials === undefined ? undefined : 'invalid';
    const { user, password } = credentials;
    const isValid = await this.cache.verify(user, password, () => this.check(user, password));
    return isValid ? { user, checkedBy: 'atommq', scheme: 'Basic' } : 'invalid';
  }

  isAllowed(identity: Identity | undefined, feed: string, action: Action): boolean {
    return isAllowed(this.config.rules, identity, feed, action);
  }

  private async check(user: string, password: string): Promise<boolean> {
    const stored = this.passwords?.get(user);
    if (stored !== undefined) return verifyPassword(stored, password);
    if (this.decoy !== undefined) await verifyPassword(this.decoy, password);
    return false;
  }
}
