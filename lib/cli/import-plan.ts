import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { MessageInput } from '../client/message-input.js';
import { entryElement } from '../client/message-input.js';
import { FeedScanError, scanFeed } from './atom-scanner.js';
import { UsageError } from './output.js';

/**
 * An import, planned: the file's entries cut into batches. The cut depends only on the file's
 * bytes and the batch limits, so a rerun makes the very same batches, and each batch can carry
 * an Idempotency-Key derived from the file's hash and its index.
 */
export interface ImportPlan {
  readonly format: 'atom' | 'json-lines';
  /** SHA-256 of the file, hex: the file's identity. */
  readonly sha256: string;
  /** Entries to publish. */
  readonly total: number;
  /** JSON lines that describe deletions (`"deleted":true`, as `atommq tail --json` prints them). */
  readonly skipped: number;
  readonly batches: readonly PlannedBatch[];
}

/** One batch: entries `first+1 … first+count` of the file. */
export interface PlannedBatch {
  /** How many entries of the file come before this batch. */
  readonly first: number;
  readonly count: number;
  /** The batch as an Atom feed document. */
  body(): Uint8Array;
}

/** How entries are grouped: at most `size` entries and about `bytes` bytes per batch. */
export interface BatchLimits {
  readonly size: number;
  readonly bytes: number;
}

/** Reads an Atom feed file or a JSON-lines file and plans its batches. */
export async function planImport(file: string, limits: BatchLimits): Promise<ImportPlan> {
  const bytes = await readFile(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${file} is not UTF-8 text`);
  }
  const first = text.replace(/^[\s\ufeff]+/, '').charAt(0);
  if (first === '<') return { ...atomPlan(file, text, limits), sha256 };
  if (first === '{') return { ...jsonLinesPlan(file, text, limits), sha256 };
  throw new UsageError(`${file} is neither an Atom feed (it would start with <) nor JSON lines (each line an object)`);
}

function atomPlan(file: string, text: string, limits: BatchLimits): Omit<ImportPlan, 'sha256'> {
  let scanned;
  try {
    scanned = scanFeed(text);
  } catch (error) {
    if (error instanceof FeedScanError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
  const open = scanned.rootStartTag;
  const close = `</${scanned.rootName}>`;
  const batches = cut(scanned.entries, limits, open.length + close.length, (entries) => `<?xml version="1.0" encoding="utf-8"?>\n${open}${entries.join('')}${close}\n`);
  return { format: 'atom', total: scanned.entries.length, skipped: 0, batches };
}

function jsonLinesPlan(file: string, text: string, limits: BatchLimits): Omit<ImportPlan, 'sha256'> {
  const entries: string[] = [];
  let skipped = 0;
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const message = messageOfLine(line, `${file}:${index + 1}`);
    if (message === undefined) skipped += 1;
    else entries.push(entryElement(message).markup);
  }
  const open = '<feed xmlns="http://www.w3.org/2005/Atom">';
  const batches = cut(entries, limits, open.length + 7, (chunk) => `<?xml version="1.0" encoding="utf-8"?>\n${open}${chunk.join('')}</feed>\n`);
  return { format: 'json-lines', total: entries.length, skipped, batches };
}

/**
 * A JSON line is a message as `publish` takes it: `title` (required), and optionally `content`,
 * `contentType`, `summary`, `author` and `categories`. Other fields are ignored, so the output of
 * `atommq tail --json` imports too; its deletions (`"deleted":true`) are skipped.
 */
function messageOfLine(line: string, where: string): MessageInput | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new UsageError(`${where}: not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${where}: each line must be a JSON object`);
  const field = (name: string): unknown => Reflect.get(value, name);
  if (field('deleted') === true) return undefined;
  const text = (name: string): string | undefined => {
    const v = field(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new UsageError(`${where}: "${name}" must be a string`);
    return v;
  };
  const title = text('title');
  if (title === undefined) throw new UsageError(`${where}: every message needs a "title"`);
  const categories = field('categories');
  if (categories !== undefined && !(Array.isArray(categories) && categories.every((c) => typeof c === 'string'))) {
    throw new UsageError(`${where}: "categories" must be an array of strings`);
  }
  return { title, content: text('content'), contentType: text('contentType'), summary: text('summary'), author: text('author'), categories };
}

/** Cuts entries into batches of at most `limits.size` entries and, past the first entry, `limits.bytes` bytes. */
function cut(entries: readonly string[], limits: BatchLimits, overhead: number, render: (entries: readonly string[]) => string): PlannedBatch[] {
  const batches: PlannedBatch[] = [];
  let start = 0;
  while (start < entries.length) {
    let end = start;
    let bytes = overhead;
    while (end < entries.length && end - start < limits.size) {
      const size = Buffer.byteLength(entries[end] ?? '');
      if (end > start && bytes + size > limits.bytes) break;
      bytes += size;
      end += 1;
    }
    const chunk = entries.slice(start, end);
    batches.push({ first: start, count: chunk.length, body: () => new TextEncoder().encode(render(chunk)) });
    start = end;
  }
  return batches;
}
