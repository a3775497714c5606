import type {
  ClaimedEntry, GroupCounts, GroupRecord, GroupSettings, GroupStart, GroupStore, LeaseRef, ParkedEntry, RetentionFloor, Settlement, SettleOutcome,
} from './groups.js';
import { GroupGoneError } from './groups.js';
import { claimInTransaction, settleInTransaction } from './group-claims.js';
import { GROUP_COLUMNS, SELECT_GROUPS, isParked, isUnfinished, JOINED_ENTRY_COLUMNS, databaseNow, groupKey, groupLockKey, toGroupRecord } from './group-rows.js';
import type { SqlHost } from './group-sql.js';
import { GroupWakers } from './group-wakers.js';
import { feedKey, integerField, optional, textField, toEntryRecord } from './rows.js';
import type { FeedRecord } from './store.js';

/**
 * Consumer groups over any of the three databases: every query is written here once, against the
 * store's {@link SqlHost}. Writes share the store's group-committed write transactions.
 */
export class SqlGroupStore implements GroupStore {
  private readonly wakers: GroupWakers;

  constructor(private readonly host: SqlHost) {
    this.wakers = new GroupWakers(async (id) => {
      const [row] = await host.read('SELECT version FROM atommq_group WHERE id = ?', [id]);
      return row === undefined ? -1 : integerField(row, 'version');
    });
  }

  putGroup(feed: FeedRecord, name: string, settings: GroupSettings, start: GroupStart): Promise<{ group: GroupRecord; isNew: boolean }> {
    return this.host.write(feedKey(feed.name), async (db, syntax) => {
      // Locking the feed's row makes two heads creating one group take turns: exactly one inserts.
      await db.all(`SELECT id FROM atommq_feed WHERE id = ? ${syntax.forUpdate}`, [feed.id]);
      const [existing] = await db.all(`SELECT ${GROUP_COLUMNS} FROM atommq_group WHERE feed_id = ? AND name_key = ?`, [feed.id, groupKey(name)]);
      if (existing !== undefined) {
        const id = integerField(existing, 'id');
        await db.run('UPDATE atommq_group SET lease_ms = ?, max_deliveries = ? WHERE id = ?', [settings.leaseMs, settings.maxDeliveries, id]);
        return { group: { ...toGroupRecord(existing, feedKey(feed.name)), ...settings }, isNew: false };
      }
      await db.run(`INSERT INTO atommq_group (feed_id, name, name_key, created, lease_ms, max_deliveries, claimed_through, version, parked_expired)
        VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)`, [feed.id, name, groupKey(name), new Date().toISOString(), settings.leaseMs, settings.maxDeliveries, start.afterSeq]);
      const [row] = await db.all(`SELECT ${GROUP_COLUMNS} FROM atommq_group WHERE feed_id = ? AND name_key = ?`, [feed.id, groupKey(name)]);
      return { group: toGroupRecord(row, feedKey(feed.name)), isNew: true };
    });
  }

  async findGroup(feedId: number, name: string): Promise<GroupRecord | undefined> {
    const [row] = await this.host.read(`${SELECT_GROUPS} WHERE g.feed_id = ? AND g.name_key = ?`, [feedId, groupKey(name)]);
    return row === undefined ? undefined : toGroupRecord(row);
  }

  async listGroups(feedId: number): Promise<GroupRecord[]> {
    return (await this.host.read(`${SELECT_GROUPS} WHERE g.feed_id = ? ORDER BY g.name_key`, [feedId])).map((row) => toGroupRecord(row));
  }

  async deleteGroup(feedId: number, name: string): Promise<boolean> {
    const group = await this.findGroup(feedId, name);
    if (group === undefined) return false;
    return this.host.write(this.lockKeyOf(group), async (db, syntax) => {
      const [row] = await db.all(`SELECT id FROM atommq_group WHERE id = ? ${syntax.forUpdate}`, [group.id]);
      if (row === undefined) return false;
      await db.run('DELETE FROM atommq_group_entry WHERE group_id = ?', [group.id]);
      await db.run('DELETE FROM atommq_group WHERE id = ?', [group.id]);
      return true;
    });
  }

  async claim(group: GroupRecord, max: number, leaseMs: number): Promise<ClaimedEntry[]> {
    return this.host.write(this.lockKeyOf(group), (db, syntax) => claimInTransaction(db, syntax, group, max, leaseMs));
  }

  async settle(group: GroupRecord, leases: readonly LeaseRef[], how: Settlement): Promise<SettleOutcome[]> {
    const { outcomes, isWakeNeeded } = await this.host.write(this.lockKeyOf(group), (db, syntax) => settleInTransaction(db, syntax, group, leases, how));
    if (isWakeNeeded) this.wakers.wake(group.id);
    return outcomes;
  }

  async counts(group: GroupRecord): Promise<GroupCounts> {
    // The version is read first: a nack committed after this read wakes a waiter that uses it.
    const [versionRow] = await this.host.read('SELECT version, claimed_through FROM atommq_group WHERE id = ?', [group.id]);
    if (versionRow === undefined) throw new GroupGoneError(group.name);
    const nowMs = await this.readNow();
    const [feed] = await this.host.read('SELECT last_seq, pruned_through FROM atommq_feed WHERE id = ?', [group.feedId]);
    const max = group.maxDeliveries;
    const [row] = await this.host.read(`SELECT
        COALESCE(SUM(CASE WHEN x.state = 'leased' AND x.due_ms > ? THEN 1 ELSE 0 END), 0) AS leased,
        COALESCE(SUM(CASE WHEN x.state = 'waiting' AND x.due_ms > ? THEN 1 ELSE 0 END), 0) AS waiting_count,
        COALESCE(SUM(CASE WHEN ${isUnfinished()} AND x.due_ms <= ? THEN 1 ELSE 0 END), 0) AS available,
        COALESCE(SUM(CASE WHEN ${isParked()} THEN 1 ELSE 0 END), 0) AS parked,
        MIN(CASE WHEN ${isUnfinished()} THEN x.seq END) AS first_unfinished,
        MIN(CASE WHEN x.state IN ('leased', 'waiting') AND x.due_ms > ? THEN x.due_ms END) AS next_due
      FROM atommq_group_entry AS x WHERE x.group_id = ? AND x.state <> 'acked'`,
    [nowMs, nowMs, nowMs, max, nowMs, nowMs, max, nowMs, max, nowMs, group.id]);
    const lastSeq = integerField(feed, 'last_seq');
    const claimedThrough = Math.max(integerField(versionRow, 'claimed_through'), integerField(feed, 'pruned_through'));
    const firstUnfinished = optional(row, 'first_unfinished', integerField);
    return {
      nowMs, lastSeq, version: integerField(versionRow, 'version'),
      ackedThrough: Math.min(claimedThrough, firstUnfinished === undefined ? claimedThrough : firstUnfinished - 1),
      leased: integerField(row, 'leased'),
      available: integerField(row, 'available') + Math.max(0, lastSeq - claimedThrough),
      delayed: integerField(row, 'waiting_count'),
      parked: integerField(row, 'parked'),
      nextDueMs: optional(row, 'next_due', integerField),
    };
  }

  async readParked(group: GroupRecord, afterSeq: number, limit: number): Promise<ParkedEntry[]> {
    const nowMs = await this.readNow();
    const rows = await this.host.read(`SELECT ${JOINED_ENTRY_COLUMNS}, x.deliveries,
        CASE WHEN x.state = 'parked' THEN x.changed_ms ELSE x.due_ms END AS parked_ms
      FROM atommq_group_entry AS x JOIN atommq_entry AS e ON e.feed_id = ? AND e.seq = x.seq
      WHERE x.group_id = ? AND x.seq > ? AND ${isParked()} ORDER BY x.seq LIMIT ?`,
    [group.feedId, group.id, afterSeq, nowMs, group.maxDeliveries, limit]);
    return rows.map((row) => ({ entry: toEntryRecord(row), deliveries: integerField(row, 'deliveries'), parkedMs: integerField(row, 'parked_ms') }));
  }

  async replayParked(group: GroupRecord): Promise<number> {
    const count = await this.host.write(this.lockKeyOf(group), async (db, syntax) => {
      const [row] = await db.all(`SELECT max_deliveries FROM atommq_group WHERE id = ? ${syntax.forUpdate}`, [group.id]);
      if (row === undefined) throw new GroupGoneError(group.name);
      const now = await databaseNow((sql) => db.all(sql), syntax);
      const max = integerField(row, 'max_deliveries');
      const [counted] = await db.all(`SELECT COUNT(*) AS n FROM atommq_group_entry AS x WHERE x.group_id = ? AND ${isParked()}`, [group.id, now, max]);
      const n = integerField(counted, 'n');
      if (n === 0) return 0;
      // A replayed entry starts over: it gets the group's full number of deliveries again.
      await db.run(`UPDATE atommq_group_entry SET state = 'waiting', deliveries = 0, due_ms = ?, changed_ms = ?
        WHERE group_id = ? AND (state = 'parked' OR (state = 'leased' AND due_ms <= ? AND deliveries >= ?))`, [now, now, group.id, now, max]);
      await db.run('UPDATE atommq_group SET version = version + 1 WHERE id = ?', [group.id]);
      return n;
    });
    if (count > 0) this.wakers.wake(group.id);
    return count;
  }

  async retentionFloors(feedId: number): Promise<RetentionFloor[]> {
    const nowMs = await this.readNow();
    const rows = await this.host.read(`SELECT g.name, g.claimed_through,
        (SELECT MIN(x.seq) FROM atommq_group_entry AS x WHERE x.group_id = g.id AND ${isUnfinished('g.max_deliveries')}) AS unfinished,
        (SELECT MIN(x.seq) FROM atommq_group_entry AS x WHERE x.group_id = g.id AND ${isParked('g.max_deliveries')}) AS parked
      FROM atommq_group AS g WHERE g.feed_id = ? ORDER BY g.name_key`, [nowMs, nowMs, feedId]);
    return rows.map((row) => {
      const unfinished = optional(row, 'unfinished', integerField);
      const next = integerField(row, 'claimed_through') + 1;
      return { group: textField(row, 'name'), unfinishedFrom: unfinished === undefined ? next : Math.min(unfinished, next), parkedFrom: optional(row, 'parked', integerField) };
    });
  }

  async forgetPruned(feed: FeedRecord, prunedThrough: number): Promise<void> {
    if ((await this.listGroups(feed.id)).length === 0) return;
    await this.host.write(feedKey(feed.name), async (db) => {
      // Anything not acked below the cut was parked: retention's age limit took it (see README).
      await db.run(`UPDATE atommq_group SET parked_expired = parked_expired + (SELECT COUNT(*) FROM atommq_group_entry AS x
          WHERE x.group_id = atommq_group.id AND x.seq <= ? AND x.state <> 'acked'),
        claimed_through = CASE WHEN claimed_through < ? THEN ? ELSE claimed_through END WHERE feed_id = ?`,
      [prunedThrough, prunedThrough, prunedThrough, feed.id]);
      await db.run('DELETE FROM atommq_group_entry WHERE seq <= ? AND group_id IN (SELECT id FROM atommq_group WHERE feed_id = ?)', [prunedThrough, feed.id]);
    });
  }

  async waitForWork(group: GroupRecord, counts: GroupCounts, signal: AbortSignal): Promise<void> {
    const dueInMs = counts.nextDueMs === undefined ? undefined : Math.max(0, counts.nextDueMs - counts.nowMs) + 5;
    await this.wakers.wait(group.id, counts.version, dueInMs, signal, (s) => this.host.waitForAppend(group.feedId, counts.lastSeq, s));
  }

  /** The database clock, read outside any write transaction. */
  private async readNow(): Promise<number> {
    return databaseNow((sql) => this.host.read(sql), await this.host.syntax());
  }

  private lockKeyOf(group: GroupRecord): string {
    return groupLockKey(group);
  }
}
