import { redact } from '../storage/dsn.js';

/** What `atommq serve` is serving, for its start-up lines. */
export interface ServeInfo {
  /** The FastCGI socket, when serving FastCGI instead of HTTP. */
  readonly fastcgi: string | undefined;
  readonly host: string;
  readonly port: number;
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
  if (info.fastcgi !== undefined) {
    return `atommq: serving FastCGI on ${info.fastcgi} (${mode}), ${database}\n`
      + 'atommq: put a web server in front of it; see lighttpd.conf.example\n';
  }
  const host = info.host === '0.0.0.0' || info.host === '::' ? 'localhost' : info.host.includes(':') ? `[${info.host}]` : info.host;
  const root = `http://${host}:${info.port}/`;
  const feed = info.feed === undefined ? `${root}feeds/hello` : root;
  return `atommq: serving HTTP on ${root} (${mode}), ${database}\n`
    + `atommq: try  curl -d '<entry><title>hello</title></entry>' ${feed} && curl ${feed}\n`;
}
