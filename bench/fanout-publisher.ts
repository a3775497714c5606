import http from 'node:http';

/**
 * The fan-out publisher, in a process of its own so that the consumers' bursts never delay its
 * clock: `node fanout-publisher.js URL RATE COUNT`. It POSTs messages `fanout-1` … `fanout-COUNT`
 * at a fixed rate (open loop) over one keep-alive connection and prints one JSON line per
 * message: `{ k, sentAt, ms, status }`, with `sentAt` in epoch milliseconds
 * (`performance.timeOrigin + performance.now()`, comparable across processes).
 */
const [url = '', rateText = '5', countText = '1'] = process.argv.slice(2);
const rate = Number(rateText);
const count = Number(countText);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** A ~300-byte Atom entry whose title names the message. */
export function fanoutEntry(title: string): string {
  return `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title><content type="text">${'fan-out message '.repeat(12)}</content></entry>`;
}

function post(k: number): Promise<void> {
  const sentAt = performance.timeOrigin + performance.now();
  return new Promise((resolve) => {
    const req = http.request(url, { agent, method: 'POST', headers: { 'Content-Type': 'application/atom+xml;type=entry' } }, (res) => {
      res.resume();
      res.on('end', () => {
        const ms = performance.timeOrigin + performance.now() - sentAt;
        process.stdout.write(`${JSON.stringify({ k, sentAt, ms, status: res.statusCode ?? 0 })}\n`);
        resolve();
      });
    });
    req.on('error', () => {
      process.stdout.write(`${JSON.stringify({ k, sentAt, ms: Number.NaN, status: 0 })}\n`);
      resolve();
    });
    req.end(fanoutEntry(`fanout-${k}`));
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const posts: Array<Promise<void>> = [];
  for (let k = 1; k <= count; k++) {
    const wait = started + ((k - 1) * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    posts.push(post(k));
  }
  await Promise.all(posts);
  agent.destroy();
}

if (process.argv[1]?.endsWith('fanout-publisher.js') === true) void main();
