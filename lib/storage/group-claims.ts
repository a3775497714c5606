import { randomBytes } from 'node:crypto';
import type { ClaimedEntry, GroupRecord, LeaseRef, Settlement, SettleOutcome } from './groups.js';
import { GroupGoneError } from './groups.js';
import { GROUP_COLUMNS, databaseNow, toGroupRecord } from './group-rows.js';
import type { Session, SqlSyntax } from './dialect.js';
import { placeholders } from './group-sql.js';
import { ENTRY_COLUMNS, integerField, textField, toEntryRecord } from './rows.js';
import type { EntryRecord } from './store.js';

/** Rows per multi-row INSERT: 7 parameters each stays below every database's bound-parameter limit. */
const ROWS_PER_INSERT = 500;

/**
 * Locks the group's row until COMMIT and returns it as it is now. On PostgreSQL and MySQL this is
 * `SELECT … FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` already holds the one write lock. Either way,
 * claims and settlements of one group take turns on every head, which is what makes a claim
 * race-free: the rows it reads as available cannot be leased by anyone else before it commits.
 * This relies on the writers' READ COMMITTED (dialect.ts): each later statement sees everything
 * the previous holder of the lock committed.
 */
async function lockGroup(db: Session, syntax: SqlSyntax, group: GroupRecord): Promise<GroupRecord> {
  const [row] = await db.all(`SELECT ${GROUP_COLUMNS} FROM atommq_group WHERE id = ? ${syntax.forUpdate}`, [group.id]);
  if (row === undefined) throw new GroupGoneError(group.name);
  return toGroupRecord(row, group.feedKey);
}

/**
 * One claim, inside a write transaction: park the leases that ran out after their last allowed
 * delivery, take the oldest available entries (redeliveries first, since they are older than any
 * entry never handed out), and lease them with one new token.
 */
export async function claimInTransaction(db: Session, syntax: SqlSyntax, named: GroupRecord, max: number, leaseMs: number): Promise<ClaimedEntry[]> {
  const group = await lockGroup(db, syntax, named);
  const now = await databaseNow((sql) => db.all(sql), syntax);
  const [feed] = await db.all('SELECT last_seq, pruned_through FROM atommq_feed WHERE id = ?', [group.feedId]);
  if (feed === undefined) throw new GroupGoneError(group.name);
  await db.run(`UPDATE atommq_group_entry SET state = 'parked', changed_ms = due_ms
    WHERE group_id = ? AND state = 'leased' AND due_ms <= ? AND deliveries >= ?`, [group.id, now, group.maxDeliveries]);
  const again = await db.all(`SELECT seq, deliveries FROM atommq_group_entry
    WHERE group_id = ? AND state IN ('leased', 'waiting') AND due_ms <= ? ORDER BY seq LIMIT ?`, [group.id, now, max]);
  const delivered = new Map(again.map((row) => [integerField(row, 'seq'), integerField(row, 'deliveries')]));
  const from = Math.max(group.claimedThrough, integerField(feed, 'pruned_through')) + 1;
  const through = Math.min(integerField(feed, 'last_seq'), from + max - delivered.size - 1);
  const entries = await readCandidates(db, group.feedId, [...delivered.keys()], from, through);
  const kept = inClaimOrder(entries);
  // Rows whose entry retention removed in a race: nothing is left to deliver.
  const vanished = [...delivered.keys()].filter((seq) => !entries.some((e) => e.seq === seq));
  if (vanished.length > 0) await db.run(`DELETE FROM atommq_group_entry WHERE group_id = ? AND seq IN (${placeholders(vanished.length)})`, [group.id, ...vanished]);
  if (kept.length === 0) return [];
  const token = randomBytes(9).toString('base64url');
  const due = now + leaseMs;
  const redelivered = kept.filter((e) => delivered.has(e.seq)).map((e) => e.seq);
  if (redelivered.length > 0) {
    await db.run(`UPDATE atommq_group_entry SET state = 'leased', token = ?, deliveries = deliveries + 1, due_ms = ?, changed_ms = ?
      WHERE group_id = ? AND seq IN (${placeholders(redelivered.length)})`, [token, due, now, group.id, ...redelivered]);
  }
  const fresh = kept.filter((e) => !delivered.has(e.seq)).map((e) => e.seq);
  for (let start = 0; start < fresh.length; start += ROWS_PER_INSERT) {
    const chunk = fresh.slice(start, start + ROWS_PER_INSERT);
    await db.run(`INSERT INTO atommq_group_entry (group_id, seq, state, token, deliveries, due_ms, changed_ms)
      VALUES ${chunk.map(() => "(?, ?, 'leased', ?, 1, ?, ?)").join(', ')}`, chunk.flatMap((seq) => [group.id, seq, token, due, now]));
  }
  const last = fresh.at(-1);
  if (last !== undefined) await db.run('UPDATE atommq_group SET claimed_through = ? WHERE id = ?', [last, group.id]);
  return kept.map((entry) => ({ entry, token, deliveries: (delivered.get(entry.seq) ?? 0) + 1, leaseExpiresMs: due }));
}

/** Reads the entries a claim may hand out: the redeliverable seqs, and `from`…`through`. */
async function readCandidates(db: Session, feedId: number, again: readonly number[], from: number, through: number): Promise<EntryRecord[]> {
  const ranges: string[] = [];
  const params: Array<number> = [feedId];
  if (again.length > 0) {
    ranges.push(`seq IN (${placeholders(again.length)})`);
    params.push(...again);
  }
  if (through >= from) {
    ranges.push('seq BETWEEN ? AND ?');
    params.push(from, through);
  }
  if (ranges.length === 0) return [];
  const rows = await db.all(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND (${ranges.join(' OR ')}) ORDER BY seq`, params);
  return rows.map(toEntryRecord);
}

/**
 * The entries of one claim, in log order. RFC 4287 §4.1.1 allows extension elements such as
 * RFC 6721 tombstones only before the first entry of a feed document, so a claim ends before a
 * tombstone that follows an entry; the next claim starts with it.
 */
function inClaimOrder(entries: readonly EntryRecord[]): EntryRecord[] {
  const kept: EntryRecord[] = [];
  for (const entry of entries) {
    if (entry.kind === 'tombstone' && kept.some((k) => k.kind === 'entry')) break;
    kept.push(entry);
  }
  return kept;
}

/**
 * Acks or nacks leases, inside a write transaction with the group locked. A lease is named by
 * its entry and token: a token that is no longer the entry's newest is a conflict (another
 * worker's lease wins); repeating a settlement of the newest lease changes nothing.
 * Returns the outcomes, and whether an entry became available (waiting claims should look).
 */
export async function settleInTransaction(db: Session, syntax: SqlSyntax, named: GroupRecord, leases: readonly LeaseRef[], how: Settlement):
  Promise<{ outcomes: SettleOutcome[]; isWakeNeeded: boolean }> {
  const group = await lockGroup(db, syntax, named);
  const now = await databaseNow((sql) => db.all(sql), syntax);
  const seqs = [...new Set(leases.map((l) => l.seq))];
  const rows = seqs.length === 0 ? [] : await db.all(
    `SELECT seq, state, token, deliveries FROM atommq_group_entry WHERE group_id = ? AND seq IN (${placeholders(seqs.length)})`, [group.id, ...seqs]);
  const bySeq = new Map(rows.map((row) => [integerField(row, 'seq'), { state: textField(row, 'state'), token: textField(row, 'token'), deliveries: integerField(row, 'deliveries') }]));
  const acked: number[] = [];
  let isWakeNeeded = false;
  const outcomes = leases.map((lease): SettleOutcome => {
    const row = bySeq.get(lease.seq);
    // No row: retention forgot an entry the group had finished, or the lease never existed.
    if (row === undefined) return lease.seq <= group.claimedThrough ? 'done' : 'unknown';
    if (row.token !== lease.token) return 'conflict';
    if (how.kind === 'ack') {
      if (row.state !== 'acked') acked.push(lease.seq);
      row.state = 'acked';
      return 'done';
    }
    if (row.state === 'acked') return 'conflict';
    if (row.state === 'leased') {
      row.state = row.deliveries >= group.maxDeliveries ? 'parked' : 'waiting';
      isWakeNeeded ||= row.state === 'waiting';
    }
    return 'done';
  });
  if (acked.length > 0) {
    await db.run(`UPDATE atommq_group_entry SET state = 'acked', changed_ms = ? WHERE group_id = ? AND seq IN (${placeholders(acked.length)})`,
      [now, group.id, ...acked]);
  }
  if (how.kind === 'nack') {
    for (const [seq, row] of bySeq) {
      if (row.state !== 'waiting' && row.state !== 'parked') continue;
      // Only rows this call moved out of 'leased' change; a repeated nack leaves its delay alone.
      await db.run(`UPDATE atommq_group_entry SET state = ?, due_ms = ?, changed_ms = ? WHERE group_id = ? AND seq = ? AND state = 'leased'`,
        [row.state, now + how.delayMs, now, group.id, seq]);
    }
    if (isWakeNeeded) await db.run('UPDATE atommq_group SET version = version + 1 WHERE id = ?', [group.id]);
  }
  return { outcomes, isWakeNeeded };
}
