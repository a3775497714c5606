import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { Element } from 'libxmljs2';
import { NS } from '../xml/namespaces.js';
import { InvalidDocumentError, parseXmlDocument } from '../xml/parse.js';
import type { PublishOptions, Published, PublishedBatch } from '../client/publish.js';
import { publish, publishAtomDocument, publishBytes, publishJson } from '../client/publish.js';
import { UsageError, retryReporter, writeLine } from './output.js';

/** Usage of `atommq publish`. */
export const PUBLISH_USAGE = 'atommq publish URL [FILE|-] [--title T] [--json | --content-type TYPE] [--idempotency-key K]';

/**
 * `atommq publish URL [FILE|-]`: publishes one message read from FILE, or from stdin.
 * - An Atom entry, or an Atom feed (a batch), is posted as it is.
 * - `--json`: the input is a JSON value, posted as an `application/json` media resource.
 * - `--content-type TYPE`: the input's bytes, posted as a media resource of that type.
 * - Anything else is the text content of a new entry titled `--title` (default: the file's name).
 * Prints what the server stored as one JSON object.
 */
export async function publishCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: { title: { type: 'string' }, json: { type: 'boolean' }, 'content-type': { type: 'string' }, 'idempotency-key': { type: 'string' } },
  });
  const [url, file] = positionals;
  if (url === undefined || positionals.length > 2) throw new UsageError('publish takes a feed URL and at most one FILE');
  if (values.json === true && values['content-type'] !== undefined) throw new UsageError('--json and --content-type exclude each other');
  const bytes = await readInput(file);
  const title = values.title ?? (file === undefined || file === '-' ? 'message' : basename(file));
  const options: PublishOptions = { idempotencyKey: values['idempotency-key'], onRetry: retryReporter('publish') };
  let result: Published | PublishedBatch;
  if (values.json === true) {
    result = await publishJson(url, parseJson(bytes), { ...options, title });
  } else if (values['content-type'] !== undefined) {
    result = await publishBytes(url, bytes, values['content-type'], { ...options, title });
  } else if (await isAtomDocument(bytes)) {
    if (values.title !== undefined) throw new UsageError('--title does not apply to an Atom document, which carries its own');
    result = await publishAtomDocument(url, bytes, options);
  } else {
    const text = utf8Text(bytes);
    const isXml = text.trimStart().startsWith('<');
    result = await publish(url, { title, ...(text === '' ? {} : { content: text, contentType: isXml ? 'application/xml' : 'text' }) }, options);
  }
  await writeLine(process.stdout, JSON.stringify(result));
  return 0;
}

/** The message bytes: FILE, or stdin for `-` or no FILE (nothing, when stdin is a terminal). */
async function readInput(file: string | undefined): Promise<Uint8Array> {
  if (file !== undefined && file !== '-') return readFile(file);
  if (file === undefined && process.stdin.isTTY) return new Uint8Array(0);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

function utf8Text(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError('the input is not UTF-8 text; publish bytes with --content-type TYPE');
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8Text(bytes));
  } catch (error) {
    throw new UsageError(`--json: the input is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * True for an Atom entry or feed document, or an entry in no namespace (the original AtomMQ's
 * `curl -d '<entry>…'`, which the server accepts).
 */
async function isAtomDocument(bytes: Uint8Array): Promise<boolean> {
  let root: Element | null;
  try {
    root = (await parseXmlDocument(bytes)).root();
  } catch (error) {
    if (error instanceof InvalidDocumentError) return false;
    throw error;
  }
  const ns = root?.namespace()?.href();
  return root !== null && (root.name() === 'entry' || root.name() === 'feed') && (ns === undefined || ns === NS.atom);
}
