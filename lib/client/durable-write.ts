import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces a small file so that a crash at any moment leaves either the old content or the new,
 * never a torn mix: write a temporary file beside it, fsync it, rename it over the old one
 * (rename is atomic within a file system, POSIX `rename(2)`), then fsync the directory so the
 * rename itself survives a power loss.
 */
export async function replaceFileDurably(path: string, data: string): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w', 0o644);
  try {
    await file.writeFile(data, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/**
 * Reads back a JSON file that {@link replaceFileDurably} wrote: its parsed value, or undefined
 * when the file does not exist yet. A file that is not JSON throws `notJson()`, the caller's own
 * error saying what to do about it.
 */
export async function readJsonFile(path: string, notJson: () => Error): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && Reflect.get(error, 'code') === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw notJson();
  }
}
