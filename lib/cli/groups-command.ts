import { PUBLISH_RETRY } from '../client/backoff.js';
import { AtomMQProtocolError } from '../client/errors.js';
import { expectStatus, sendRequest } from '../client/request.js';
import { targetOf } from '../client/target.js';
import { UsageError, retryReporter, writeLine } from './output.js';

/** The usage line of `atommq groups`. */
export const GROUPS_USAGE = 'atommq groups FEED_URL';

/** The fields of `GET {feed}/groups` this command prints. */
interface GroupLine {
  readonly name: string;
  readonly lag: number;
  readonly leased: number;
  readonly available: number;
  readonly delayed: number;
  readonly parked: number;
  readonly ackedThrough: number;
  readonly lastSeq: number;
  readonly oldestUnackedSeconds: number;
  readonly holdsRetention: boolean;
}

function isGroupList(value: unknown): value is { groups: GroupLine[] } {
  return typeof value === 'object' && value !== null && Array.isArray(Reflect.get(value, 'groups'));
}

/**
 * `atommq groups FEED_URL`: lists the feed's consumer groups with their lag, one per line, tab
 * separated. A refusal or an unreachable server throws (exit 1), a usage mistake exit 2
 * (client-commands.ts).
 */
export async function groupsCommand(argv: readonly string[]): Promise<number> {
  const [feedUrl] = argv;
  if (feedUrl === undefined || argv.length !== 1) throw new UsageError('groups takes one feed URL');
  const target = targetOf(feedUrl);
  const url = new URL(target.url);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/groups`;
  url.search = '';
  const answer = await sendRequest('GET', url.toString(), { headers: { ...target.headers, Accept: 'application/json' } },
    { retry: PUBLISH_RETRY, onRetry: retryReporter('groups') });
  await expectStatus('GET', url.toString(), answer, [200]);
  let list: unknown;
  try {
    list = JSON.parse(new TextDecoder().decode(answer.body));
  } catch {
    list = undefined;
  }
  if (!isGroupList(list)) throw new AtomMQProtocolError(`GET ${url.toString()}: not a list of groups`);
  await writeLine(process.stdout, 'group\tlag\tleased\tavailable\tdelayed\tparked\tacked_through\tlast_seq\toldest_unacked_s\tholds_retention');
  for (const g of list.groups) {
    await writeLine(process.stdout, [g.name, g.lag, g.leased, g.available, g.delayed, g.parked, g.ackedThrough, g.lastSeq, g.oldestUnackedSeconds, g.holdsRetention ? 'yes' : 'no'].join('\t'));
  }
  return 0;
}
