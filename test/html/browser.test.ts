import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { httpFetch, isListening } from '../support/http.js';
import { CLI, REPO_ROOT, startProcess, startServeHttp } from '../support/processes.js';
import type { Running } from '../support/processes.js';
import { IS_CI, waitFor } from '../support/tools.js';

/**
 * The HTML view in a real browser: Debian's Chromium driven by playwright-core, against a real
 * `atommq serve`. Two pages follow one feed live; a message published through the form in one
 * appears in both without a reload; hostile messages change nothing; a cross-site POST is
 * refused. Screenshots go to a temporary folder, or into docs/ with ATOMMQ_UPDATE_SCREENSHOTS=1.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--headless'];
const HOSTILE = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><a href="javascript:window.__pwned = 3">click</a><b style="position:fixed;inset:0;background:red">cover</b>`;
const ATOM_ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

it('Chromium: live updates in two pages, a form that publishes, inert hostile content, no cross-site posts', async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (IS_CI) throw new Error(`${CHROMIUM} is missing; .ci/run installs chromium`);
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'atommq-browser-'));
  const serve = await startServeHttp(['--dsn', `sqlite:${join(dir, 'bus.db')}`]);
  const other = await startOtherSite();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const origin = `http://127.0.0.1:${serve.port}`;
    const feed = `${origin}/feeds/orders`;
    await httpFetch(serve.port, 'POST', '/feeds/orders', { headers: ATOM_ENTRY, body: '<entry xmlns="http://www.w3.org/2005/Atom"><title>Order 41 received</title><content>2 × blue widget, ships Tuesday</content></entry>' });
    await httpFetch(serve.port, 'POST', '/feeds/orders', { headers: { 'Content-Type': 'application/json', Slug: 'Order 42 as JSON' }, body: '{"order":42,"items":[{"sku":"W-1","qty":2}],"paid":true}' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const [a, b] = [await context.newPage(), await context.newPage()];
    const problems: string[] = [];
    for (const page of [a, b]) {
      page.on('pageerror', (error) => problems.push(error.message));
      // Failed loads are reported with their URL below; the console line has none.
      page.on('console', (message) => { if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text()); });
      page.on('response', (response) => { if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`); });
      await page.goto(feed);
      await page.locator('html[data-live="open"]').waitFor(); // its EventSource is open
    }

    // Keyboard only: type the title, Tab to the text, Tab to the button, Enter.
    await a.bringToFront();
    await a.locator('#publish-title').focus();
    await a.keyboard.type('Hello from the form');
    await a.keyboard.press('Tab');
    await a.keyboard.type('typed in a browser');
    await a.keyboard.press('Tab');
    await a.keyboard.press('Enter');
    for (const page of [a, b]) await page.locator('#messages li', { hasText: 'Hello from the form' }).waitFor();
    await a.locator('#publish-status', { hasText: 'Published as message #3' }).waitFor();
    // Keyboard users keep their place: focus stays on the button, not thrown back to the page's top.
    assert.equal(await a.evaluate(() => document.activeElement?.tagName), 'BUTTON', 'focus after publishing');

    // Hostile messages: through the form, and as Atom with xhtml content and a javascript: link.
    await b.locator('#publish-title').fill(HOSTILE);
    await b.locator('#publish-text').fill(HOSTILE);
    await b.locator('button[type=submit]').click();
    const xhtml = `<entry xmlns="http://www.w3.org/2005/Atom"><title type="html">${escapeXml(HOSTILE)}</title><link rel="alternate" href="javascript:window.__pwned=4"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>window.__pwned = 5</script><img src="x" onerror="window.__pwned = 6"/></div></content></entry>`;
    assert.equal((await httpFetch(serve.port, 'POST', '/feeds/orders', { headers: ATOM_ENTRY, body: xhtml })).status, 201);
    for (const page of [a, b]) await page.locator('#m-5').waitFor();
    const fresh = await context.newPage();
    await fresh.goto(feed); // the server-rendered page of the same messages
    for (const page of [a, b, fresh]) await assertInert(page);
    assert.equal(await a.locator('#m-4 h3').textContent(), HOSTILE, 'the payload is shown as text');

    // JSON media is pretty-printed, live too.
    await httpFetch(serve.port, 'POST', '/feeds/orders', { headers: { 'Content-Type': 'application/json', Slug: 'Order 43' }, body: '{"order":43,"paid":false}' });
    await a.locator('#m-6 pre.json', { hasText: '"order": 43' }).waitFor();

    // A page on another origin makes the browser POST here: refused, nothing stored.
    const attacker = await context.newPage();
    await attacker.goto(`http://localhost:${other.port}/`);
    await attacker.evaluate(async (url) => {
      await fetch(url, { method: 'POST', mode: 'no-cors', body: '<entry><title>cross-site</title></entry>' });
    }, feed);
    const log = await httpFetch(serve.port, 'GET', '/feeds/orders');
    assert.ok(!log.body.includes('cross-site'), 'the cross-site POST stored nothing');
    assert.equal((log.body.match(/<entry/g) ?? []).length, 6);
    const direct = await httpFetch(serve.port, 'POST', '/feeds/orders', { body: '<entry><title>no Origin, like curl</title></entry>' });
    assert.equal(direct.status, 201, 'the same POST without Origin works');

    // A publisher's HTML media resource, opened from the page's link, runs nothing.
    const html = await httpFetch(serve.port, 'POST', '/feeds/orders', { headers: { 'Content-Type': 'text/html', Slug: 'HTML media' }, body: HOSTILE });
    assert.equal(html.status, 201);
    await fresh.goto(feed);
    await fresh.locator('a', { hasText: 'media resource (text/html)' }).click();
    await fresh.waitForURL(/\/media\//);
    assert.equal(await fresh.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, 'the HTML media ran no script');

    // An entry with a summary and no content shows its summary live, as the server's page does.
    await httpFetch(serve.port, 'POST', '/feeds/orders', { headers: ATOM_ENTRY, body: '<entry xmlns="http://www.w3.org/2005/Atom"><title>Summary only</title><summary>shipped in two parcels</summary></entry>' });
    for (const page of [a, fresh]) {
      if (page === fresh) await fresh.goto(feed);
      await page.locator('#messages li', { hasText: 'Summary only' }).locator('.content', { hasText: 'shipped in two parcels' }).waitFor({ timeout: 10_000 });
    }

    assert.deepEqual(problems, [], 'no script errors, CSP violations or failed loads');
    await saveScreenshots(a, context, await showcaseFeed(serve.port), origin);
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => other.server.close(() => resolve()));
    await serve.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

/** The sentinel stays unset, and no publisher markup became an element. */
async function assertInert(page: Page): Promise<void> {
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined, 'no payload ran');
  assert.equal(await page.locator('#messages script, #messages img, #messages b, #messages [style], #messages a[href^="javascript:"]').count(), 0);
}

async function saveScreenshots(page: Page, context: Awaited<ReturnType<Awaited<ReturnType<typeof chromium.launch>>['newContext']>>, feed: string, origin: string): Promise<void> {
  const folder = process.env['ATOMMQ_UPDATE_SCREENSHOTS'] === '1' ? join(REPO_ROOT, 'docs') : await mkdtemp(join(tmpdir(), 'atommq-shots-'));
  await mkdir(folder, { recursive: true });
  await page.goto(feed);
  await page.locator('html[data-live="open"]').waitFor();
  await page.screenshot({ path: join(folder, 'feed-1280x800.png') });
  const phone = await context.browser()?.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
  const small = await phone?.newPage();
  if (small === undefined) throw new Error('no phone context');
  await small.goto(feed);
  await small.locator('html[data-live="open"]').waitFor();
  await small.screenshot({ path: join(folder, 'feed-phone.png') });
  await small.goto(`${origin}/`);
  await small.screenshot({ path: join(folder, 'service-phone.png') });
  for (const name of ['feed-1280x800.png', 'feed-phone.png', 'service-phone.png']) assert.ok((await stat(join(folder, name))).size > 1000);
  await phone?.close();
  if (process.env['ATOMMQ_UPDATE_SCREENSHOTS'] !== '1') await rm(folder, { recursive: true, force: true });
}

/** A feed with ordinary messages, for the README's screenshots. */
async function showcaseFeed(port: number): Promise<string> {
  const post = (headers: Record<string, string>, body: string): Promise<unknown> => httpFetch(port, 'POST', '/feeds/shipping', { headers, body });
  await post(ATOM_ENTRY, '<entry xmlns="http://www.w3.org/2005/Atom"><title>Parcel 7731 picked up</title><content>Depot: Leeds. Driver: A. Okafor.</content></entry>');
  await post({ 'Content-Type': 'application/json', Slug: 'Label printed' }, '{"parcel":7731,"carrier":"DPD","weightKg":2.4,"dimensionsCm":[30,20,12]}');
  await post(ATOM_ENTRY, '<entry xmlns="http://www.w3.org/2005/Atom"><title>Parcel 7731 out for delivery</title><content>Expected between 10:00 and 12:00.\nCustomer notified by e-mail.</content></entry>');
  await post({ 'Content-Type': 'application/pdf', Slug: 'Proof of delivery' }, '%PDF-1.4 (a small stand-in)');
  return `http://127.0.0.1:${port}/feeds/shipping`;
}

/** Another origin: a page a foreign site could serve. */
async function startOtherSite(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end('<!DOCTYPE html><title>another site</title><p>another site</p>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

it('Chromium: the page makes a new EventSource after the browser closed one on a 503', async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (IS_CI) throw new Error(`${CHROMIUM} is missing; .ci/run installs chromium`);
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'atommq-browser-'));
  const dsn = `sqlite:${join(dir, 'bus.db')}`;
  const first = await startServeHttp(['--dsn', dsn]);
  const port = first.port;
  let serve: Running = first;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    await httpFetch(port, 'POST', '/feeds/restart', { headers: ATOM_ENTRY, body: '<entry><title>before</title></entry>' });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/feeds/restart`);
    await page.locator('html[data-live="open"]').waitFor();
    // The server goes away (SIGKILL: a held stream would delay a graceful stop), and while it is
    // down something answers 503: EventSource then stops for good (readyState CLOSED).
    serve.child.kill('SIGKILL');
    await new Promise((resolve) => serve.child.once('exit', resolve));
    const unavailable = createServer((_req, res) => { res.statusCode = 503; res.end(); });
    await new Promise<void>((resolve) => unavailable.listen(port, '127.0.0.1', () => resolve()));
    await page.locator('html[data-live="closed"]').waitFor();
    await new Promise<void>((resolve) => unavailable.close(() => resolve()));
    unavailable.closeAllConnections();
    serve = await startServeHttpOn(port, dsn);
    await page.locator('html[data-live="open"]').waitFor(); // the script made a new EventSource
    await httpFetch(port, 'POST', '/feeds/restart', { headers: ATOM_ENTRY, body: '<entry><title>after the restart</title></entry>' });
    await page.locator('#messages li', { hasText: 'after the restart' }).waitFor();
    assert.equal(await page.locator('#messages li').count(), 2);
  } finally {
    await browser.close();
    serve.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

/** `atommq serve` on a given port (the page's URLs name it), once it accepts connections. */
async function startServeHttpOn(port: number, dsn: string): Promise<Running> {
  const running = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--dsn', dsn]);
  await waitFor(`atommq serve on port ${port}`, () => isListening(port));
  return running;
}

it('Chromium: pages fit a phone’s width with the longest feed name and unbroken titles and text', async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (IS_CI) throw new Error(`${CHROMIUM} is missing; .ci/run installs chromium`);
    t.skip(`${CHROMIUM} is not installed`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'atommq-browser-'));
  const serve = await startServeHttp(['--dsn', `sqlite:${join(dir, 'bus.db')}`]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const name = `a${'b'.repeat(127)}`; // the longest feed name the router accepts
    const unbroken = `https://example.com/${'x'.repeat(300)}`;
    const body = `<entry xmlns="http://www.w3.org/2005/Atom"><title>${unbroken}</title><content>${unbroken}</content></entry>`;
    assert.equal((await httpFetch(serve.port, 'POST', `/feeds/${name}`, { headers: ATOM_ENTRY, body })).status, 201);
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await phone.newPage();
    for (const path of ['/', `/feeds/${name}`, `/feeds/${name}/entries/1`]) {
      await page.goto(`http://127.0.0.1:${serve.port}${path}`);
      const [scrollWidth, viewport] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(scrollWidth <= 390 && viewport === 390, `${path}: ${scrollWidth} px wide in a ${viewport} px layout viewport, for a 390 px phone`);
    }
  } finally {
    await browser.close();
    await serve.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
