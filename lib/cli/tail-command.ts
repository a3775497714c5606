import { parseArgs } from 'node:util';
import type { Message } from '../client/message.js';
import { subscribe } from '../client/subscribe.js';
import { UsageError, integerOption, retryReporter, writeLine } from './output.js';

/** Usage of `atommq tail`. */
export const TAIL_USAGE = 'atommq tail URL [--from-start | --from N] [--cursor-file F] [--json] [--wait SECONDS]';

/**
 * `atommq tail URL`: prints a feed's messages as they arrive, one line each, until interrupted.
 * It starts at the end of the feed, or with `--from-start` at its beginning, or with `--from N`
 * at sequence number N. With `--cursor-file F` it resumes where the last run stopped; the start
 * flags then apply only to the first run, before F exists. A message's line is written before its
 * position is saved, so a killed tail prints at most that one message again when restarted.
 */
export async function tailCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: {
      'from-start': { type: 'boolean' }, from: { type: 'string' }, 'cursor-file': { type: 'string' },
      json: { type: 'boolean' }, wait: { type: 'string' },
    },
  });
  const [url] = positionals;
  if (url === undefined || positionals.length > 1) throw new UsageError('tail takes one feed URL');
  if (values['from-start'] === true && values.from !== undefined) throw new UsageError('--from-start and --from exclude each other');
  const from = integerOption(values.from, '--from', 1);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const messages = subscribe(url, {
      cursorFile: values['cursor-file'],
      cursor: values['from-start'] === true ? 'start' : from !== undefined ? from - 1 : 'end',
      waitSeconds: integerOption(values.wait, '--wait', 1),
      signal: stop.signal,
      onRetry: retryReporter('tail'),
      onPruned: ({ after, through }) => process.stderr.write(`atommq tail: messages ${after + 1} to ${through} were removed by retention before this consumer read them\n`),
    });
    for await (const message of messages) {
      await writeLine(process.stdout, values.json === true ? JSON.stringify(jsonLine(message)) : textLine(message));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}

/** The `--json` form: one object per line. */
function jsonLine(message: Message): Record<string, unknown> {
  return {
    seq: message.seq, id: message.id, title: message.title, updated: message.updated, deleted: message.deleted,
    contentType: message.contentType, content: message.content, contentSrc: message.contentSrc, link: message.link, etag: message.etag,
  };
}

/** The human form: seq, time, title, and the start of the content on one line. */
function textLine(message: Message): string {
  if (message.deleted) return `${message.seq}\t${message.updated}\tdeleted ${message.id}`;
  const content = (message.content ?? message.contentSrc ?? '').replace(/\s+/g, ' ').trim();
  const shown = content.length > 120 ? `${content.slice(0, 119)}…` : content;
  return `${message.seq}\t${message.updated}\t${message.title.replace(/\s+/g, ' ')}${shown === '' ? '' : `\t${shown}`}`;
}
