import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { CLI, REPO_ROOT } from '../support/processes.js';
import { requireTool } from '../support/tools.js';
import { startFront } from './fronts.js';
import { writeFeedFile } from './import-run.js';

const run = promisify(execFile);

/** What a user meets first: the package export, the progress bar on a terminal, usage errors. */
describe('the client surface', () => {
  it('atommq/client is a package export, with its types', async () => {
    const name = 'atommq/client';
    const client: unknown = await import(name);
    assert.ok(typeof client === 'object' && client !== null);
    for (const fn of ['publish', 'publishJson', 'publishBytes', 'publishBatch', 'subscribe', 'listFeeds']) {
      assert.equal(typeof Reflect.get(client, fn), 'function', fn);
    }
    const manifest: unknown = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8'));
    const types = field(field(field(manifest, 'exports'), './client'), 'types');
    assert.equal(typeof types, 'string');
    assert.match(await readFile(join(REPO_ROOT, String(types)), 'utf8'), /export \{ subscribe \}/);
  });

  it('atommq import draws a progress bar with rate and ETA on a terminal', async (t) => {
    // script(1) is in bsdutils, which every Debian system has (it is Essential).
    if (!requireTool(t, 'script', 'a pseudo-terminal for the progress bar')) return;
    const servers = await startFront(t, 'http');
    if (servers === undefined) return;
    try {
      const file = join(servers.dir, 'export.xml');
      await writeFeedFile(file, 3000);
      // script(1) runs the command on a pseudo-terminal, so stderr is a TTY.
      const command = [process.execPath, CLI, 'import', servers.httpFeedUrl, file, '--batch-size', '200'].map((a) => `'${a}'`).join(' ');
      const { stdout } = await run('script', ['-qec', command, '/dev/null']);
      assert.match(stdout, /\r\[#*\.*\] \d+\/3000 entries \(\d+%\), \d+ entries\/s, ETA \S+/, 'a bar redrawn in place');
      assert.match(stdout, /\[#{30}\] 3000\/3000 entries \(100%\)/);
      assert.doesNotMatch(stdout, /^import: /m, 'no plain progress lines on a terminal');
    } finally {
      await servers.close();
    }
  });

  it('usage mistakes exit 2 with the usage; a missing file exits 1 with its reason', async () => {
    const usage = run(process.execPath, [CLI, 'tail', '--from', 'x', 'http://127.0.0.1:9/feeds/x']);
    await assert.rejects(usage, (error: unknown) => error instanceof Error && Reflect.get(error, 'code') === 2
      && /--from must be an integer/.test(String(Reflect.get(error, 'stderr'))) && /usage: atommq tail URL/.test(String(Reflect.get(error, 'stderr'))));
    const help = await run(process.execPath, [CLI, '--help']);
    assert.match(help.stderr, /atommq publish URL .*\n.*atommq tail URL .*\n.*atommq import URL .*\n.*atommq feeds URL/);
    const missing = run(process.execPath, [CLI, 'import', 'http://127.0.0.1:9/feeds/x', join(REPO_ROOT, 'no-such-file.xml')]);
    await assert.rejects(missing, (error: unknown) => error instanceof Error && Reflect.get(error, 'code') === 1 && /ENOENT/.test(String(Reflect.get(error, 'stderr'))));
  });
});

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;
}
