import { readJsonFile, replaceFileDurably } from './durable-write.js';
import type { Position } from './etag.js';
import { parsePositionEtag, positionEtag } from './etag.js';

/** A position that may not know its feed yet: before the first answer, only the seq is known. */
export type Cursor = Position | { readonly feedTag: undefined; readonly seq: number };

/**
 * A consumer's cursor kept in a file: the position of the last message it finished, as JSON
 * (`{"seq":42,"etag":"\"1a2b3c4d.42\""}`). It is replaced with a write, fsync and rename, so a
 * crash never leaves a torn file. One process at a time should use a cursor file.
 */
export class CursorFile {
  constructor(readonly path: string) {}

  /** The saved cursor, or undefined when the file does not exist yet. */
  async load(): Promise<Cursor | undefined> {
    const saved = await readJsonFile(this.path, () => new Error(`the cursor file ${this.path} is not JSON; remove it to start over`));
    if (saved === undefined) return undefined;
    const seq: unknown = typeof saved === 'object' && saved !== null ? Reflect.get(saved, 'seq') : undefined;
    const etag: unknown = typeof saved === 'object' && saved !== null ? Reflect.get(saved, 'etag') : undefined;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw new Error(`the cursor file ${this.path} holds no sequence number; remove it to start over`);
    const position = typeof etag === 'string' ? parsePositionEtag(etag) : undefined;
    return position !== undefined && position.seq === seq ? position : { feedTag: undefined, seq };
  }

  /** Durably records that every message up to `cursor` is done. */
  async save(cursor: Cursor): Promise<void> {
    const saved = cursor.feedTag === undefined ? { seq: cursor.seq } : { seq: cursor.seq, etag: positionEtag(cursor) };
    await replaceFileDurably(this.path, `${JSON.stringify(saved)}\n`);
  }
}
