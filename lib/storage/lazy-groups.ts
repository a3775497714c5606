import type { FeedRecord } from './store.js';
import type {
  ClaimedEntry, GroupCounts, GroupRecord, GroupSettings, GroupStart, GroupStore, LeaseRef, ParkedEntry, RetentionFloor, Settlement, SettleOutcome,
} from './groups.js';

/** The groups of a store that connects on first use (see LazyStore): each call opens it first. */
export class LazyGroupStore implements GroupStore {
  constructor(private readonly open: () => Promise<GroupStore>) {}

  async putGroup(feed: FeedRecord, name: string, settings: GroupSettings, start: GroupStart): Promise<{ group: GroupRecord; isNew: boolean }> {
    return (await this.open()).putGroup(feed, name, settings, start);
  }
  async findGroup(feedId: number, name: string): Promise<GroupRecord | undefined> { return (await this.open()).findGroup(feedId, name); }
  async listGroups(feedId: number): Promise<GroupRecord[]> { return (await this.open()).listGroups(feedId); }
  async deleteGroup(feedId: number, name: string): Promise<boolean> { return (await this.open()).deleteGroup(feedId, name); }
  async claim(group: GroupRecord, max: number, leaseMs: number): Promise<ClaimedEntry[]> { return (await this.open()).claim(group, max, leaseMs); }
  async settle(group: GroupRecord, leases: readonly LeaseRef[], how: Settlement): Promise<SettleOutcome[]> { return (await this.open()).settle(group, leases, how); }
  async counts(group: GroupRecord): Promise<GroupCounts> { return (await this.open()).counts(group); }
  async readParked(group: GroupRecord, afterSeq: number, limit: number): Promise<ParkedEntry[]> { return (await this.open()).readParked(group, afterSeq, limit); }
  async replayParked(group: GroupRecord): Promise<number> { return (await this.open()).replayParked(group); }
  async retentionFloors(feedId: number): Promise<RetentionFloor[]> { return (await this.open()).retentionFloors(feedId); }
  async forgetPruned(feed: FeedRecord, prunedThrough: number): Promise<void> { return (await this.open()).forgetPruned(feed, prunedThrough); }
  async waitForWork(group: GroupRecord, counts: GroupCounts, signal: AbortSignal): Promise<void> { return (await this.open()).waitForWork(group, counts, signal); }
}
