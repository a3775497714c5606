import type { FrontEndDelay } from './front-ends.js';
import type { CgiCost } from './cgi-cost.js';
import type { FanOutResult } from './fan-out.js';
import type { DeploymentKey } from './deployments.js';
import type { FanoutIdle, FanoutResult } from './fanout.js';
import type { LatencyResult, ThroughputResult } from './load.js';
import type { PublishResult, ReadResults } from './measure.js';

/** One fsync-ceiling measurement (fsync-ceiling.ts). */
export interface Ceiling {
  readonly commits: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Peak RSS of a long-lived server, MB (10^6 bytes), from /proc/<pid>/status VmHWM. */
export interface PeakRss {
  readonly pid: number | undefined;
  readonly afterPublishMB: number;
  readonly afterReadsMB: number | undefined;
}

/** Publish rows at 1 and 16 connections. */
export interface PublishPair {
  readonly c1: PublishResult;
  readonly c16: PublishResult;
}

/** Everything one run measured; the table and the targets are derived from it. */
export interface Results {
  readonly fsync: { start?: Ceiling; end?: Ceiling };
  readonly publish: Partial<Record<DeploymentKey, PublishPair>>;
  readonly reads: Partial<Record<DeploymentKey, ReadResults>>;
  /** The fcgi-bin cursor read with the cursor given as an atom:id (urn:uuid), as AtomBus clients do. */
  readAtomId?: LatencyResult;
  readonly rss: Partial<Record<DeploymentKey, PeakRss>>;
  cgiCost?: CgiCost;
  backlog?: { readonly small: LatencyResult; readonly big: LatencyResult; readonly smallEntries: number; readonly bigEntries: number; readonly fillSeconds: number };
  batch?: { readonly unavailable: string } | { readonly perBatch: Record<string, ThroughputResult> };
  /** Publish per database; PostgreSQL and MariaDB also read (SQLite's reads are the http rows). */
  readonly databases: Partial<Record<'sqlite' | 'postgres' | 'mysql', { c1: ThroughputResult; c16: ThroughputResult; reads?: ReadResults } | { unavailable: string }>>;
  slowDisk?: { readonly delayMs: number; readonly c1: PublishResult; readonly c16: PublishResult };
  peer?: { readonly unavailable: string } | {
    readonly workers: number;
    readonly publish: PublishPair;
    readonly reads: ReadResults;
    readonly rssMB: number;
  };
  /** Long-poll delivery delay through each web server (issue 14; bench/front-ends.ts). */
  frontEnds?: Record<string, FrontEndDelay | { unavailable: string }>;
  /** Server-Sent Events: 1,000 subscribers, a publisher at 20 messages/s (fan-out.ts). */
  fanOut?: FanOutResult;
  /** Issue 12's fan-out rows: long-polling consumers on one feed, a publisher at a fixed rate. */
  fanout?: FanoutResult[];
  fanoutIdle?: FanoutIdle;
  /** Phases that failed, with their error, so a broken phase never hides the others. */
  readonly errors: Record<string, string>;
}
