import { Agent, request } from 'node:http';

/**
 * The HTTP side of the consumer-group bench: paced publishers and batch-acking workers, each on
 * its own keep-alive connection.
 */

/** Counters a worker keeps. */
export interface WorkerCounts {
  claims: number;
  claimed: number;
  ackRequests: number;
  acked: number;
  failures: number;
}

/** One request on `agent`; resolves with the status and body. */
export function send(agent: Agent, url: string, method: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const bytes = body === undefined ? undefined : Buffer.from(body);
    const req = request(url, { method, agent, headers: { ...headers, ...(bytes === undefined ? {} : { 'Content-Length': String(bytes.byteLength) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

/**
 * A publisher that sends `perSecond` entries a second on one connection, on a fixed schedule: the
 * n-th request is due at start + n / perSecond, so a slow answer is made up for, not dropped.
 * Returns how many were published once `stop` aborts.
 */
export async function pacedPublisher(feedUrl: string, body: string, perSecond: number, stop: AbortSignal): Promise<{ ok: number; failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const start = performance.now();
  let ok = 0;
  let failed = 0;
  for (let n = 0; !stop.aborted; n++) {
    const due = start + (n * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (stop.aborted) break;
    const answer = await send(agent, feedUrl, 'POST', body, { 'Content-Type': 'application/atom+xml;type=entry' }).catch(() => ({ status: 0, body: '' }));
    if (answer.status === 201) ok += 1;
    else failed += 1;
  }
  agent.destroy();
  return { ok, failed };
}

/** Ack links in a claim document: every `rel="ack"` href. */
function ackLinks(xml: string): string[] {
  return [...xml.matchAll(/<link xmlns="http:\/\/www\.w3\.org\/2005\/Atom" rel="ack" href="([^"]+)"\/>/g)].map((m) => m[1] ?? '');
}

/**
 * A worker: claims up to `max` entries (waiting up to 1 s for work), then acks them all in one
 * batch request, until `stop` aborts.
 */
export async function batchWorker(groupUrl: string, max: number, stop: AbortSignal, counts: WorkerCounts): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  while (!stop.aborted) {
    const claim = await send(agent, `${groupUrl}/claims?max=${max}`, 'POST', undefined, { Prefer: 'wait=1' }).catch(() => ({ status: 0, body: '' }));
    if (claim.status !== 200) {
      counts.failures += 1;
      continue;
    }
    counts.claims += 1;
    const links = ackLinks(claim.body);
    counts.claimed += links.length;
    if (links.length === 0) continue;
    const ack = await send(agent, `${groupUrl}/ack`, 'POST', links.join('\n'), { 'Content-Type': 'text/uri-list' }).catch(() => ({ status: 0, body: '' }));
    if (ack.status !== 200) {
      counts.failures += 1;
      continue;
    }
    counts.ackRequests += 1;
    counts.acked += (JSON.parse(ack.body) as { acked: number }).acked;
  }
  agent.destroy();
}
