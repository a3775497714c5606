import { expectStatus, groupRequest } from '../client/group-http.js';

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
 * separated. Returns the exit code: 0, 1 when the server refused, 2 for a usage mistake.
 */
export async function groupsCommand(argv: readonly string[]): Promise<number> {
  const [feedUrl] = argv;
  if (feedUrl === undefined || argv.length !== 1) {
    process.stderr.write(`usage: ${GROUPS_USAGE}\n`);
    return 2;
  }
  const url = `${feedUrl.replace(/\/$/, '')}/groups`;
  let list: unknown;
  try {
    list = JSON.parse(expectStatus(await groupRequest('GET', url), [200], `GET ${url}`).body);
  } catch (error) {
    process.stderr.write(`atommq groups: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (!isGroupList(list)) {
    process.stderr.write(`atommq groups: ${url} did not answer a list of groups\n`);
    return 1;
  }
  process.stdout.write('group\tlag\tleased\tavailable\tdelayed\tparked\tacked_through\tlast_seq\toldest_unacked_s\tholds_retention\n');
  for (const g of list.groups) {
    process.stdout.write(`${[g.name, g.lag, g.leased, g.available, g.delayed, g.parked, g.ackedThrough, g.lastSeq, g.oldestUnackedSeconds, g.holdsRetention ? 'yes' : 'no'].join('\t')}\n`);
  }
  return 0;
}
