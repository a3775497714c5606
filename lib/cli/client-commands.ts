import { AtomMQProtocolError, AtomMQRequestError } from '../client/errors.js';
import { FEEDS_USAGE, feedsCommand } from './feeds-command.js';
import { IMPORT_USAGE, importCommand } from './import-command.js';
import { UsageError } from './output.js';
import { PUBLISH_USAGE, publishCommand } from './publish-command.js';
import { TAIL_USAGE, tailCommand } from './tail-command.js';
import { WORK_USAGE, workCommand } from './work-command.js';
import { GROUPS_USAGE, groupsCommand } from './groups-command.js';

/** The client commands' usage lines, for `atommq --help`. */
export const CLIENT_USAGE = [PUBLISH_USAGE, TAIL_USAGE, IMPORT_USAGE, FEEDS_USAGE, WORK_USAGE, GROUPS_USAGE];

/**
 * The command that talks to a server over HTTP (`publish`, `tail`, `import`, `feeds URL`, and
 * the consumer-group `work` and `groups`), or
 * undefined for the commands that open the database themselves (`serve`, `feeds list`…).
 */
export function findClientCommand(argv: readonly string[]): ((args: readonly string[]) => Promise<number>) | undefined {
  const [command, first] = argv;
  switch (command) {
    case 'publish': return publishCommand;
    case 'tail': return tailCommand;
    case 'import': return importCommand;
    case 'work': return workCommand;
    case 'groups': return groupsCommand;
    case 'feeds': return first !== undefined && /^https?:\/\//i.test(first) ? feedsCommand : undefined;
    default: return undefined;
  }
}

/**
 * Runs a client command and returns the process exit code: 0 done, 1 the server refused or
 * could not be reached, 2 a mistake on the command line.
 */
export async function runClientCommand(command: (args: readonly string[]) => Promise<number>, argv: readonly string[]): Promise<number> {
  const name = argv[0] ?? '';
  // A closed stdout (`atommq tail URL | head`) fails the pending write, which ends the command
  // below; without a listener the stream's 'error' event would crash the process instead.
  process.stdout.on('error', () => undefined);
  try {
    return await command(argv.slice(1));
  } catch (error) {
    if (error instanceof Error && Reflect.get(error, 'code') === 'EPIPE') return 0;
    const isUsage = error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    // A system error (ENOENT…) or a refusal says all in its message; anything else is a bug.
    const isExpected = isUsage || error instanceof AtomMQRequestError || error instanceof AtomMQProtocolError || (error instanceof Error && typeof Reflect.get(error, 'code') === 'string');
    process.stderr.write(`atommq ${name}: ${isExpected && error instanceof Error ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    if (isUsage) process.stderr.write(`usage: ${CLIENT_USAGE.find((line) => line.startsWith(`atommq ${name}`)) ?? CLIENT_USAGE.join('\n       ')}\n`);
    return isUsage ? 2 : 1;
  }
}
