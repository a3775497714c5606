import autocannon from 'autocannon';
import { Agent, request } from 'node:http';

/** One HTTP request shape that a load repeats. */
export interface RequestSpec {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a throughput run measured; only 2xx answers count as done. */
export interface ThroughputResult {
  readonly kind: 'throughput';
  readonly connections: number;
  readonly seconds: number;
  readonly ok: number;
  /** 2xx answers per second. */
  readonly perSecond: number;
  readonly failed: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly latencyMeanMs: number;
  readonly latencyP99Ms: number;
}

/**
 * Runs autocannon against one URL for `seconds`, after an unmeasured warm-up of `warmupSeconds`
 * with the same connections. Non-2xx answers, errors and timeouts are counted as failed.
 */
export async function measureThroughput(spec: RequestSpec, connections: number, seconds: number, warmupSeconds: number): Promise<ThroughputResult> {
  if (warmupSeconds > 0) await autocannon(cannonOptions(spec, connections, warmupSeconds));
  return measureThroughputNow(spec, connections, seconds);
}

/** {@link measureThroughput} without the warm-up, for callers that warm up themselves. */
export async function measureThroughputNow(spec: RequestSpec, connections: number, seconds: number): Promise<ThroughputResult> {
  const result = await autocannon(cannonOptions(spec, connections, seconds));
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statuses[code] = count;
  return {
    kind: 'throughput',
    connections,
    seconds: result.duration,
    ok: result['2xx'],
    perSecond: result['2xx'] / result.duration,
    failed: result.non2xx + result.errors + result.timeouts,
    statuses,
    latencyMeanMs: result.latency.average,
    latencyP99Ms: result.latency.p99,
  };
}

function cannonOptions(spec: RequestSpec, connections: number, seconds: number): Parameters<typeof autocannon>[0] {
  return {
    url: spec.url,
    connections,
    duration: seconds,
    method: spec.method ?? 'GET',
    timeout: 60,
    ...(spec.body === undefined ? {} : { body: spec.body }),
    ...(spec.headers === undefined ? {} : { headers: { ...spec.headers } }),
  };
}

/** What a sequential latency run measured, in milliseconds with sub-millisecond precision. */
export interface LatencyResult {
  readonly kind: 'latency';
  readonly samples: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  /** Requests per second of the one connection. */
  readonly perSecond: number;
}

/**
 * Sends one request at a time over one keep-alive connection, timing each with the monotonic
 * clock (autocannon's histogram rounds to whole milliseconds, too coarse for sub-millisecond
 * reads). Runs for `seconds` after `warmupSeconds`, and at least until `minSamples` are taken.
 */
export async function measureLatency(spec: RequestSpec, seconds: number, warmupSeconds: number, minSamples = 3): Promise<LatencyResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const warmupEnd = performance.now() + warmupSeconds * 1000;
    while (performance.now() < warmupEnd) await timeOne(spec, agent);
    const times: number[] = [];
    let failed = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end || times.length < minSamples) {
      const { ms, status } = await timeOne(spec, agent);
      if (status >= 200 && status < 300) times.push(ms);
      else failed += 1;
      if (failed > 100 && times.length === 0) break;
    }
    const elapsed = (performance.now() - start) / 1000;
    times.sort((a, b) => a - b);
    return {
      kind: 'latency',
      samples: times.length,
      failed,
      p50Ms: quantile(times, 0.5),
      p90Ms: quantile(times, 0.9),
      p99Ms: quantile(times, 0.99),
      meanMs: times.reduce((s, t) => s + t, 0) / Math.max(1, times.length),
      perSecond: times.length / elapsed,
    };
  } finally {
    agent.destroy();
  }
}

/** The `q` quantile of sorted values (nearest rank); NaN when there are none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

function timeOne(spec: RequestSpec, agent: Agent): Promise<{ ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
    const req = request(spec.url, {
      method: spec.method ?? 'GET',
      agent,
      headers: { ...spec.headers, ...(body === undefined ? {} : { 'Content-Length': String(body.byteLength) }) },
    }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
