/**
 * AtomMQ's ETags name a position in a feed's log: `"<feed tag>.<seq>"` (README, "Consuming").
 * The client reads the sequence number out of them, and sends a position back as a cursor.
 */
export interface Position {
  /** Eight hex digits that name the feed; a cursor with another feed's tag is refused. */
  readonly feedTag: string;
  readonly seq: number;
}

/** Reads a position ETag (quoted or not, weak or not); undefined for any other tag. */
export function parsePositionEtag(etag: string | null | undefined): Position | undefined {
  const match = /^(?:W\/)?"?([0-9a-f]{8})\.(\d{1,15})"?$/.exec((etag ?? '').trim());
  if (match === null) return undefined;
  return { feedTag: match[1] ?? '', seq: Number(match[2]) };
}

/** The quoted ETag of a position, as the server writes it. */
export function positionEtag(position: Position): string {
  return `"${position.feedTag}.${position.seq}"`;
}

/** The cursor to send as `?start_after=`: the ETag form when the feed is known, so another feed's cursor is refused. */
export function cursorParameter(position: Position | { readonly feedTag: undefined; readonly seq: number }): string {
  return position.feedTag === undefined || position.seq === 0 ? String(position.seq) : `${position.feedTag}.${position.seq}`;
}
