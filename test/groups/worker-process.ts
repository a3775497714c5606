/**
 * A test worker, run as its own process: claims from a group over HTTP, acks what it claimed,
 * and prints one JSON line per lease to stdout, so the test can check every lease afterwards.
 *
 * usage: node worker-process.js GROUP_URL MODE MAX LEASE_SECONDS TOTAL
 * - MODE `ack`: claim and ack until the group's ackedThrough reaches TOTAL;
 * - MODE `hold`: claim once (waiting for work) and never ack; the test kills the process.
 */
import { parseClaim } from './claims.js';

const [groupUrl = '', mode = 'ack', max = '5', lease = '30', total = '0'] = process.argv.slice(2);

async function post(url: string, headers: Record<string, string> = {}): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { method: 'POST', headers });
    // A head under load may answer 503 with Retry-After; a worker retries, as a client should.
    if (response.status !== 503 || attempt >= 20) return response;
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function ackedThrough(): Promise<number> {
  const status = (await (await fetch(groupUrl)).json()) as { ackedThrough: number };
  return status.ackedThrough;
}

async function main(): Promise<void> {
  for (;;) {
    const response = await post(`${groupUrl}/claims?max=${max}&lease=${lease}`, { Prefer: 'wait=1' });
    if (response.status !== 200) throw new Error(`claim answered ${response.status}: ${await response.text()}`);
    const items = parseClaim(await response.text());
    for (const item of items) {
      process.stdout.write(`${JSON.stringify({ event: 'lease', pid: process.pid, seq: item.seq, deliveries: item.deliveries, expiresMs: item.expiresMs, leaseMs: Number(lease) * 1000, ack: item.ack })}\n`);
    }
    if (mode === 'hold') {
      if (items.length > 0) {
        process.stdout.write(`${JSON.stringify({ event: 'holding' })}\n`);
        await new Promise(() => undefined);
      }
      continue;
    }
    for (const item of items) {
      const ack = await post(item.ack);
      await ack.arrayBuffer();
      process.stdout.write(`${JSON.stringify({ event: 'ack', pid: process.pid, seq: item.seq, status: ack.status })}\n`);
    }
    if (items.length === 0 && await ackedThrough() >= Number(total)) return;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`worker: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
