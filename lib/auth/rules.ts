import { isFeedName } from '../core/router.js';
import type { Action, Identity } from './identity.js';

/** The principal that matches everyone, anonymous clients included. */
export const ANYONE = '*';
/** The principal that matches every authenticated user. */
export const AUTHENTICATED = '@authenticated';
/** The key of the rule for feeds the config does not name. */
export const DEFAULT_FEED = '*';

/** Who may read and who may write one feed, principals already expanded. */
export interface FeedRule {
  readonly read: Principals;
  readonly write: Principals;
}

/** A set of principals: anyone, every authenticated user, and named users. */
export interface Principals {
  readonly anyone: boolean;
  readonly authenticated: boolean;
  readonly users: ReadonlySet<string>;
}

/** Per-feed access rules. Feed names match case-insensitively, as feeds do (AtomBus). */
export interface AccessRules {
  /** Rules by lower-cased feed name. */
  readonly feeds: ReadonlyMap<string, FeedRule>;
  /** The rule of every feed not named; nobody may do anything when the config has no `"*"`. */
  readonly fallback: FeedRule;
}

const NOBODY: Principals = { anyone: false, authenticated: false, users: new Set() };

/** Returns true when `identity` (undefined: anonymous) may do `action` on `feed` under `rules`. */
export function isAllowed(rules: AccessRules, identity: Identity | undefined, feed: string, action: Action): boolean {
  const principals = (rules.feeds.get(feed.toLowerCase()) ?? rules.fallback)[action];
  if (principals.anyone) return true;
  if (identity === undefined) return false;
  return principals.authenticated || principals.users.has(identity.user);
}

/**
 * Builds {@link AccessRules} from the config's `feeds` and `groups` members (see
 * {@link parseAuthConfig}); throws an Error that says what is wrong and where.
 */
export function parseRules(feeds: unknown, groups: unknown): AccessRules {
  const members = parseGroups(groups);
  const table = objectOf(feeds, '"feeds"');
  const rules = new Map<string, FeedRule>();
  let fallback: FeedRule = { read: NOBODY, write: NOBODY };
  for (const [name, value] of Object.entries(table)) {
    const where = `"feeds"."${name}"`;
    const rule = parseFeedRule(value, where, members);
    if (name === DEFAULT_FEED) {
      fallback = rule;
      continue;
    }
    if (!isFeedName(name)) throw new Error(`${where}: not a feed name (1-128 characters of A-Z a-z 0-9 _ - ., not starting with . or -) nor "*"`);
    if (rules.has(name.toLowerCase())) throw new Error(`${where}: the feed is named twice (names match case-insensitively)`);
    rules.set(name.toLowerCase(), rule);
  }
  return { feeds: rules, fallback };
}

function parseFeedRule(value: unknown, where: string, groups: ReadonlyMap<string, readonly string[]>): FeedRule {
  const rule = objectOf(value, where);
  for (const key of Object.keys(rule)) {
    if (key !== 'read' && key !== 'write') throw new Error(`${where}: unknown key "${key}" (a rule has "read" and "write")`);
  }
  return {
    read: parsePrincipals(rule['read'], `${where}.read`, groups),
    write: parsePrincipals(rule['write'], `${where}.write`, groups),
  };
}

function parsePrincipals(value: unknown, where: string, groups: ReadonlyMap<string, readonly string[]>): Principals {
  if (value === undefined) return NOBODY;
  let anyone = false;
  let authenticated = false;
  const users = new Set<string>();
  for (const principal of stringsOf(value, where)) {
    if (principal === ANYONE) anyone = true;
    else if (principal === AUTHENTICATED) authenticated = true;
    else if (principal.startsWith('@')) {
      const group = groups.get(principal.slice(1));
      if (group === undefined) throw new Error(`${where}: no group is named "${principal.slice(1)}" (define it under "groups")`);
      for (const user of group) users.add(user);
    } else users.add(checkedUser(principal, where));
  }
  return { anyone, authenticated, users };
}

function parseGroups(value: unknown): ReadonlyMap<string, readonly string[]> {
  const groups = new Map<string, readonly string[]>();
  if (value === undefined) return groups;
  for (const [name, members] of Object.entries(objectOf(value, '"groups"'))) {
    const where = `"groups"."${name}"`;
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === AUTHENTICATED.slice(1)) {
      throw new Error(`${where}: a group name is letters, digits, "_", "." and "-", and not "authenticated"`);
    }
    groups.set(name, stringsOf(members, where).map((user) => checkedUser(user, where)));
  }
  return groups;
}

/** A user name as htpasswd and REMOTE_USER carry it: no colon (RFC 7617 §2), no space or control. */
function checkedUser(name: string, where: string): string {
  if (name === '' || name.startsWith('@') || /[:\s\u0000-\u001f\u007f]/.test(name)) {
    throw new Error(`${where}: ${JSON.stringify(name)} is not a user name, "*", "@authenticated" or "@group"`);
  }
  return name;
}

/** Narrows a JSON value to a plain object, or throws naming `where`. */
export function objectOf(value: unknown, where: string): Readonly<Record<string, unknown>> {
  if (!isRecord(value)) throw new Error(`${where}: expected an object`);
  return value;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringsOf(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new Error(`${where}: expected an array of strings`);
  }
  return value;
}
