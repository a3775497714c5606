import { parseArgs } from 'node:util';
import { listFeeds } from '../client/feeds.js';
import { UsageError, writeLine } from './output.js';

/** Usage of `atommq feeds URL`. */
export const FEEDS_USAGE = 'atommq feeds URL [--json]';

/**
 * `atommq feeds URL`: lists a server's feeds from its AtomPub service document, one per line:
 * the feed's name and its URL (the log, oldest first). `--json` prints one object per line.
 */
export async function feedsCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { json: { type: 'boolean' } } });
  const [url] = positionals;
  if (url === undefined || positionals.length > 1) throw new UsageError('feeds takes one server URL');
  for (const feed of await listFeeds(url)) {
    await writeLine(process.stdout, values.json === true ? JSON.stringify(feed) : `${feed.title}\t${feed.url}`);
  }
  return 0;
}
