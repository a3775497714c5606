/**
 * Connection strings. AtomMQ accepts URL forms and the original's Perl DBI forms:
 *
 * | database | forms |
 * |---|---|
 * | SQLite | `sqlite:/path/to/foo.db`, `sqlite:///path/foo.db`, `dbi:SQLite:dbname=/path/foo.db` |
 * | PostgreSQL | `postgres://user:pass@host:port/db`, `dbi:Pg:dbname=db;host=h;port=p` |
 * | MySQL/MariaDB | `mysql://user:pass@host:port/db`, `dbi:mysql:database=db;host=h;port=p` |
 */
export type StoreConfig =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres' | 'mysql'; readonly host: string; readonly port: number | undefined;
      readonly database: string; readonly user: string | undefined; readonly password: string | undefined };

/** A parsed DSN of a database server (PostgreSQL or MySQL). */
export type ServerConfig = Exclude<StoreConfig, { readonly dialect: 'sqlite' }>;

/** A DSN that cannot be used. Its message never contains a password. */
export class DsnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DsnError';
  }
}

/** Credentials given apart from the DSN, as the original constructor's `user` and `password`. */
export interface Credentials {
  readonly user?: string | undefined;
  readonly password?: string | undefined;
}

/** Parses a DSN into a {@link StoreConfig}; `credentials` fill in what the DSN leaves out. */
export function parseDsn(dsn: string, credentials: Credentials = {}): StoreConfig {
  const dbi = /^dbi:([A-Za-z]+):(.*)$/s.exec(dsn);
  if (dbi) return parseDbi(dbi[1] ?? '', dbi[2] ?? '', credentials);
  const scheme = /^([a-z0-9+]+):/i.exec(dsn)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') return sqlite(dsn.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, ''));
  if (scheme === 'postgres' || scheme === 'postgresql') return parseUrl('postgres', dsn, credentials);
  if (scheme === 'mysql' || scheme === 'mariadb') return parseUrl('mysql', dsn, credentials);
  throw new DsnError(`unsupported DSN ${redact(dsn)}: use sqlite:/path, postgres://… or mysql://… (or a dbi: form)`);
}

function sqlite(path: string): StoreConfig {
  if (path === '') throw new DsnError('the SQLite DSN names no file: use sqlite:/path/to/file.db');
  return { dialect: 'sqlite', path };
}

function parseDbi(driver: string, rest: string, credentials: Credentials): StoreConfig {
  const params = new Map<string, string>();
  for (const pair of rest.split(';').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq < 0) params.set(driver.toLowerCase() === 'sqlite' ? 'dbname' : 'database', pair);
    else params.set(pair.slice(0, eq).trim().toLowerCase(), pair.slice(eq + 1).trim());
  }
  const database = params.get('dbname') ?? params.get('database') ?? params.get('db');
  switch (driver.toLowerCase()) {
    case 'sqlite':
      return sqlite(database ?? '');
    case 'pg':
    case 'mysql':
    case 'mariadb': {
      if (database === undefined) throw new DsnError(`the DSN dbi:${driver}:… names no database`);
      const port = params.get('port');
      return {
        dialect: driver.toLowerCase() === 'pg' ? 'postgres' : 'mysql',
        host: params.get('host') ?? '127.0.0.1',
        port: port === undefined ? undefined : parsePort(port),
        database,
        user: credentials.user ?? params.get('user'),
        password: credentials.password ?? params.get('password'),
      };
    }
    default:
      throw new DsnError(`unsupported DBI driver ${driver}: use SQLite, Pg or mysql`);
  }
}

function parseUrl(dialect: 'postgres' | 'mysql', dsn: string, credentials: Credentials): StoreConfig {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new DsnError(`malformed ${dialect} DSN ${redact(dsn)}`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') throw new DsnError(`the DSN ${redact(dsn)} names no database`);
  return {
    dialect,
    host: url.hostname === '' ? '127.0.0.1' : url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? undefined : parsePort(url.port),
    database,
    user: credentials.user ?? (url.username === '' ? undefined : decodeURIComponent(url.username)),
    password: credentials.password ?? (url.password === '' ? undefined : decodeURIComponent(url.password)),
  };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DsnError(`invalid port ${text} in DSN`);
  return port;
}

/** Returns the DSN with any password replaced by `***`, for messages and logs. */
export function redact(dsn: string): string {
  return dsn
    .replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@')
    .replace(/(password=)[^;]*/i, '$1***');
}
