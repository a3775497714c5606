import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDatabase } from '../support/databases.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { runCgi } from '../support/cgi.js';
import { envFor } from '../support/env.js';
import { entryXml, parseClaim, pathOf } from './claims.js';

const SCRIPT_NAME = '/cgi-bin/mycoolfeed';
const TOTAL = 24;

for (const dialect of DIALECTS) {
  describe(`consumer groups through the CGI script on ${dialect}: a stateless consumer`, () => {
    let db: TestDatabase | { skip: string };
    before(async () => { db = await createTestDatabase(dialect); });
    after(async () => { if ('dsn' in db) await db.dispose(); });

    /** One request, answered by a fresh CGI process, as a web server runs it. */
    const cgi = async (requestLine: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string; headers: Readonly<Record<string, string>> }> => {
      const { env, body } = envFor(requestLine, { ...options, scriptName: SCRIPT_NAME });
      return runCgi(env, body, { ATOMMQ_DSN: 'dsn' in db ? db.dsn : '' });
    };
    const relative = (href: string): string => pathOf(href).slice(SCRIPT_NAME.length);

    it('drains the feed through repeated claims from fresh processes, with no local state', async (ctx) => {
      if ('skip' in db) return ctx.skip(db.skip);
      const batch = `<feed xmlns="http://www.w3.org/2005/Atom">${Array.from({ length: TOTAL }, (_, i) => `<entry><title>job ${i + 1}</title></entry>`).join('')}</feed>`;
      assert.equal((await cgi('POST /', { body: batch, headers: { 'Content-Type': 'application/atom+xml;type=feed' } })).status, 201);
      const created = await cgi('PUT /groups/cron');
      assert.equal(created.status, 201, created.body);
      assert.match(created.headers['location'] ?? '', /^http:\/\/localhost\/cgi-bin\/mycoolfeed\/groups\/cron$/);
      const seen: string[] = [];
      for (let round = 0; round < 10; round++) {
        const claimed = await cgi('POST /groups/cron/claims?max=7');
        assert.equal(claimed.status, 200, claimed.body);
        const items = parseClaim(claimed.body);
        if (items.length === 0) break;
        seen.push(...items.map((i) => i.title));
        const acked = await cgi('POST /groups/cron/ack', { body: items.map((i) => i.ack).join('\n'), headers: { 'Content-Type': 'text/uri-list' } });
        assert.deepEqual(JSON.parse(acked.body), { acked: items.length, conflicts: [], unknown: [] });
      }
      assert.deepEqual(seen, Array.from({ length: TOTAL }, (_, i) => `job ${i + 1}`), 'every job once, oldest first');
      const status = JSON.parse((await cgi('GET /groups/cron')).body) as Record<string, number>;
      assert.deepEqual([status['ackedThrough'], status['lag']], [TOTAL, 0]);
    });

    it('a waiting claim in one CGI process wakes on a publish, and on a nack, made by other processes', async (ctx) => {
      if ('skip' in db) return ctx.skip(db.skip);
      const waiting = cgi('POST /groups/cron/claims', { headers: { Prefer: 'wait=20' } });
      assert.equal((await cgi('POST /', { body: entryXml('late job') })).status, 201);
      const [item] = parseClaim((await waiting).body);
      assert.deepEqual([item?.title, item?.deliveries], ['late job', 1]);
      const again = cgi('POST /groups/cron/claims', { headers: { Prefer: 'wait=20' } });
      assert.equal((await cgi(`POST ${relative(item?.nack ?? '')}`)).status, 204);
      const [redelivered] = parseClaim((await again).body);
      assert.deepEqual([redelivered?.title, redelivered?.deliveries], ['late job', 2]);
      assert.equal((await cgi(`POST ${relative(redelivered?.ack ?? '')}`)).status, 204);
    });
  });
}
