import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEntry, parseFeed } from '../support/atom.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { httpFetch } from '../support/http.js';
import { startServeHttp } from '../support/processes.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
const atom = (title: string): string => `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title></entry>`;

/**
 * Long polling across web heads: a consumer waits on head A while the entry is published through
 * head B. B's commit must wake A: through PRAGMA data_version polling on SQLite, LISTEN/NOTIFY
 * on PostgreSQL, and max-seq polling on MySQL.
 */
for (const dialect of DIALECTS) {
  const db = await createTestDatabase(dialect);
  describe(`long polling across two heads on ${dialect}`, { skip: 'skip' in db ? db.skip : false }, () => {
    it('a consumer waiting on head A receives what is published through head B', async () => {
      if ('skip' in db) return;
      const a = await startServeHttp(['--dsn', db.dsn]);
      const b = await startServeHttp(['--dsn', db.dsn]);
      try {
        const first = await httpFetch(b.port, 'POST', '/feeds/heads', { headers: ENTRY, body: atom('first') });
        assert.equal(first.status, 201);
        const etag = first.headers['etag'] ?? '';
        const waiting = httpFetch(a.port, 'GET', '/feeds/heads', { headers: { 'If-None-Match': etag, Prefer: 'wait=20' } });
        assert.equal((await httpFetch(a.port, 'GET', '/feeds/heads', { headers: { 'If-None-Match': etag } })).status, 304, 'nothing new yet');
        const second = await httpFetch(b.port, 'POST', '/feeds/heads', { headers: ENTRY, body: atom('second') });
        const response = await waiting;
        assert.equal(response.status, 200);
        assert.equal(response.headers['preference-applied'], 'wait=20');
        assert.deepEqual(parseFeed(response.body).entries.map((e) => e.id), [parseEntry(second.body).id]);
      } finally {
        await a.stop();
        await b.stop();
        await db.dispose();
      }
    });
  });
}
