import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DsnError, parseDsn, redact } from '../../lib/storage/dsn.js';

describe('parseDsn', () => {
  it('reads SQLite URL and DBI forms', () => {
    assert.deepEqual(parseDsn('sqlite:/var/lib/atommq/foo.db'), { dialect: 'sqlite', path: '/var/lib/atommq/foo.db' });
    assert.deepEqual(parseDsn('sqlite:///var/lib/foo.db'), { dialect: 'sqlite', path: '/var/lib/foo.db' });
    assert.deepEqual(parseDsn('sqlite:atommq.db'), { dialect: 'sqlite', path: 'atommq.db' });
    assert.deepEqual(parseDsn('dbi:SQLite:dbname=/tmp/foo.db'), { dialect: 'sqlite', path: '/tmp/foo.db' });
  });

  it('reads PostgreSQL and MySQL URL and DBI forms, with separate credentials winning', () => {
    assert.deepEqual(parseDsn('postgres://u:p@db.example:5433/bus'), { dialect: 'postgres', host: 'db.example', port: 5433, database: 'bus', user: 'u', password: 'p' });
    assert.deepEqual(parseDsn('dbi:Pg:dbname=bus;host=h;port=5432', { user: 'x', password: 'y' }), { dialect: 'postgres', host: 'h', port: 5432, database: 'bus', user: 'x', password: 'y' });
    assert.deepEqual(parseDsn('mysql://root@127.0.0.1/test'), { dialect: 'mysql', host: '127.0.0.1', port: undefined, database: 'test', user: 'root', password: undefined });
    assert.deepEqual(parseDsn('dbi:mysql:database=bus;host=h;port=3307'), { dialect: 'mysql', host: 'h', port: 3307, database: 'bus', user: undefined, password: undefined });
  });

  it('refuses unusable DSNs without printing the password', () => {
    for (const dsn of ['oracle://u:hunter2@h/db', 'postgres://u:hunter2@h:99999/db', 'sqlite:', 'dbi:Pg:host=h;password=hunter2']) {
      assert.throws(() => parseDsn(dsn), (error: unknown) => error instanceof DsnError && !error.message.includes('hunter2'), dsn);
    }
    assert.equal(redact('postgres://u:hunter2@h/db'), 'postgres://u:***@h/db');
  });
});
