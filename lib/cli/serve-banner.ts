import { redact } from '../storage/dsn.js';

/** What `atommq serve` is serving, for its start-up lines. */
export interface ServeInfo {
  /** What it listens on, as serve-listen.ts words it. */
  readonly description: string;
  /** The HTTP address, when it serves HTTP on a port of its own (not FastCGI, not systemd's socket). */
  readonly http: { readonly host: string; readonly port: number } | undefined;
  /** The single feed, or undefined in multi-feed mode. */
  readonly feed: string | undefined;
  readonly dsn: string;
}

/**
 * The lines `atommq serve` (and `npm start`) prints on stderr once it listens: the URL it serves,
 * the database (without its password), and one command to try.
 */
export function serveBanner(info: ServeInfo): string {
  const mode = info.feed === undefined ? 'multi-feed' : `feed ${info.feed}`;
  const database = `database ${redact(info.dsn)}`;
  if (info.http === undefined) {
    return `atommq: serving ${info.description} (${mode}), ${database}\n`
      + 'atommq: put a web server in front of it; see lighttpd.conf.example\n';
  }
  const { host: listenHost, port } = info.http;
  const host = listenHost === '0.0.0.0' || listenHost === '::' ? 'localhost' : listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  const root = `http://${host}:${port}/`;
  const feed = info.feed === undefined ? `${root}feeds/hello` : root;
  return `atommq: serving HTTP on ${root} (${mode}), ${database}\n`
    + `atommq: try  curl -d '<entry><title>hello</title></entry>' ${feed} && curl ${feed}\n`;
}
