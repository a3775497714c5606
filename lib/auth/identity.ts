import type { CgiEnv } from '../core/env.js';

/** Who made a request, once authenticated. Anonymous requests have no identity (`undefined`). */
export interface Identity {
  /** The user name: REMOTE_USER as the web server set it, or the user of a checked Basic login. */
  readonly user: string;
  /** Who checked it: the web server in front (REMOTE_USER), or AtomMQ's own htpasswd check. */
  readonly checkedBy: 'web-server' | 'atommq';
  /** The scheme: AUTH_TYPE as the web server set it (RFC 3875 §4.1.1), or `Basic`. */
  readonly scheme: string;
}

/** What a request does to a feed: GET/HEAD read it, POST/PUT/DELETE write it. */
export type Action = 'read' | 'write';

/** What authenticating a request found: a user, nobody (anonymous), or credentials that failed. */
export type AuthenticationResult = Identity | undefined | 'invalid';

/**
 * What the core needs to authenticate and authorize requests. {@link loadAuthenticator} builds one
 * from a config file; core tests pass a plain object.
 */
export interface Authenticator {
  /**
   * The realm of the `WWW-Authenticate: Basic` challenge when AtomMQ checks passwords itself;
   * undefined when only the web server authenticates, so a refused anonymous request is a 403.
   */
  readonly basicRealm: string | undefined;
  /** Finds who sent the request: REMOTE_USER first, then the Authorization header. */
  authenticate(env: CgiEnv): Promise<AuthenticationResult>;
  /** Returns true when `identity` (undefined: anonymous) may do `action` on the feed named `feed`. */
  isAllowed(identity: Identity | undefined, feed: string, action: Action): boolean;
}
