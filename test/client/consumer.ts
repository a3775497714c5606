import { subscribe } from '../../lib/client/index.js';

/**
 * A small consumer, run as a child process by the crash tests: it prints each message of FEED as
 * one JSON line and keeps its cursor in CURSOR_FILE. The line is written (and handed to the
 * operating system) inside the loop body, so the cursor is saved only after it.
 *
 *     node consumer.js FEED CURSOR_FILE
 */
const [feedUrl, cursorFile] = process.argv.slice(2);
if (feedUrl === undefined || cursorFile === undefined) throw new Error('usage: consumer.js FEED CURSOR_FILE');
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
for await (const message of subscribe(feedUrl, { cursorFile, signal: stop.signal })) {
  const line = `${JSON.stringify({ seq: message.seq, id: message.id, title: message.title, updated: message.updated, deleted: message.deleted })}\n`;
  await new Promise<void>((resolve, reject) => process.stdout.write(line, (error) => (error ? reject(error) : resolve())));
}
