/**
 * `huey web` in a real browser (Debian's Chromium through playwright-core),
 * on the file backend, every part its own process: `huey web`, consumers,
 * and this test as the producer. Skipped without Chromium, unless
 * HUEY_REQUIRE_BROWSER=1.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { registry } from 'huey/registry';
import { eventually, runNode, REPO_ROOT, scratchDir, type ScratchPackage } from './helpers.js';
import { appPackage, browserSkipReason, exited, killChildren, launchBrowser, startConsumer, startMounted, startWeb, type WebProcess } from './web-helpers.js';

interface App {
  queue: { recover(): Promise<number>; flush(): Promise<void>; close(): Promise<void> };
  store: { close(): Promise<void> };
}
type Call = (...args: unknown[]) => Promise<{ taskId: string; get(o?: object): Promise<unknown> }>;
interface Commands {
  add: Call;
  nap: Call;
}

const skip = browserSkipReason();

/** The page as huey web serves it, and mounted in an Express app under /admin/queue: the same tests, each its own processes. */
const SERVERS = [
  { name: 'huey web', start: startWeb },
  { name: 'webHandler mounted in Express under /admin/queue', start: startMounted },
] as const;

for (const server of SERVERS) describe(`${server.name} in Chromium, on the file backend`, { skip: skip ?? false }, () => {
  let pkg: ScratchPackage;
  let dir: { path: string; remove: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let app: App;
  let commands: Commands;
  let web: WebProcess;
  let browser: Browser;

  before(async () => {
    dir = await scratchDir('huey-web-');
    env = { HUEY_WEB_DIR: dir.path };
    process.env.HUEY_WEB_DIR = dir.path;
    pkg = await appPackage();
    app = (await import(pkg.url('config.js'))) as App;
    commands = (await import(pkg.url('commands.js'))) as Commands;
    web = await server.start(pkg, env);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    killChildren();
    // the next run of these tests imports the same app from another folder: its commands have the same names
    for (const name of ['commands.add', 'commands.nap']) registry.unregister(name);
    await app?.queue.close();
    await app?.store.close();
    await pkg?.remove();
    await dir?.remove();
  });

  /** Opens the queue page and waits for its first look. */
  const openQueue = async (): Promise<Page> => {
    const page = await browser.newPage();
    await page.goto(web.url);
    await page.waitForSelector('#status.live');
    return page;
  };
  const waitingIds = (page: Page): Promise<string[]> => page.$$eval('#waiting tbody a', (links) => links.map((a) => decodeURIComponent(a.getAttribute('href')!.split('/task/')[1]!.split('?')[0]!)));

  let consumer: ChildProcess;
  let added: string;

  test('the queue page lists the waiting calls, and one enqueued after it loaded appears within 2 s without a reload', async () => {
    const first = await Promise.all([commands.add(1, 2), commands.add(3, 4)]);
    const page = await openQueue();
    await page.evaluate(() => Object.assign(globalThis, { loadedOnce: true }));
    assert.deepEqual((await waitingIds(page)).sort(), first.map((r) => r.taskId).sort());
    assert.equal(await page.textContent('[data-count="waiting"] b'), '2');
    const late = await commands.add(5, 6);
    await page.waitForSelector(`#waiting a[href^="${web.prefix}/task/${late.taskId}"]`, { timeout: 2000 });
    assert.equal(await page.evaluate(() => (globalThis as { loadedOnce?: boolean }).loadedOnce), true, 'the page was not reloaded');
    added = first[0]!.taskId;
    await page.close();
  });

  test('the waiting list empties live while a consumer drains the queue', async () => {
    const page = await openQueue();
    await page.evaluate(() => Object.assign(globalThis, { loadedOnce: true }));
    assert.equal((await waitingIds(page)).length, 3);
    consumer = await startConsumer(pkg, env);
    await page.waitForSelector('#waiting td.empty', { timeout: 10_000 });
    assert.equal(await page.textContent('#waiting td.empty'), 'nothing waiting');
    assert.equal(await page.textContent('[data-count="waiting"] b'), '0');
    await page.waitForSelector('#consumers tr.alive');
    assert.equal(await page.evaluate(() => (globalThis as { loadedOnce?: boolean }).loadedOnce), true, 'the page was not reloaded');
    await page.close();
  });

  test("a task's page draws its trace as a timeline, with the finished step and the gap since the step before", async () => {
    const page = await browser.newPage();
    await page.goto(`${web.root}/task/${added}?token=${web.token}`);
    await page.waitForSelector('#timeline li.finished');
    const steps = await page.$$eval('#timeline li', (items) => items.map((li) => li.className));
    assert.deepEqual(steps.slice(0, 2), ['enqueued', 'received']);
    assert.ok(steps.includes('started') && steps.includes('resultStored'), steps.join(' '));
    assert.match((await page.textContent('#where'))!, /^finished; result waiting to be read$/);
    assert.match((await page.textContent('#timeline li.finished'))!, /finished in \d+\.\d ms/);
    assert.match((await page.textContent('#timeline li.received .gap'))!, /^\+\d/);
    await page.close();
  });

  test('Purge empties the dead letters with the token; without it the API answers 403 and keeps them', async () => {
    const enqueued = await runNode([`${REPO_ROOT}/bin/huey.js`, 'enqueue', 'main.Configuration', '-p', pkg.path, 'commands.ghost', '1'], { cwd: pkg.path, env: { ...process.env, ...env } });
    assert.equal(enqueued.code, 0, enqueued.stderr);
    const page = await openQueue();
    await page.waitForSelector('#dead-letters tbody tr:not(:has(td.empty))');
    assert.match((await page.textContent('#dead-letters tbody'))!, /commands\.ghost not found in CommandRegistry/);

    const refused = await fetch(`${web.root}/api/dead-letters/purge`, { method: 'POST' });
    assert.equal(refused.status, 403);
    const wrong = await fetch(`${web.root}/api/dead-letters/purge?token=${'x'.repeat(web.token.length)}`, { method: 'POST' });
    assert.equal(wrong.status, 403);
    assert.equal(((await (await fetch(`${web.root}/api/info?token=${web.token}`)).json()) as { deadLetters: number }).deadLetters, 1);

    await page.click('#purge');
    await page.waitForSelector('#dead-letters td.empty');
    assert.equal(await page.textContent('#action-result'), 'purged 1');
    assert.equal(((await (await fetch(`${web.root}/api/info?token=${web.token}`)).json()) as { deadLetters: number }).deadLetters, 0);
    await page.close();
  });

  test('a consumer killed with SIGKILL shows as gone, and its calls as waiting again once recovered', async () => {
    const naps = await Promise.all([commands.nap(60_000), commands.nap(60_000)]);
    const page = await openQueue();
    await eventually(async () => (await page.$$('#in-flight tbody a')).length === 2, 'both naps in flight', 10_000);
    const holder = (await page.textContent('#in-flight tbody td.mono:nth-child(4)'))!;
    assert.match((await page.textContent(`#consumers tr.alive`))!, new RegExp(holder.slice(0, 12)));

    consumer.kill('SIGKILL');
    await exited(consumer);
    await page.waitForSelector('#consumers tr.dead', { timeout: 10_000 });
    assert.match((await page.textContent('#consumers tr.dead'))!, /gone/);

    assert.equal(await app.queue.recover(), 2);
    await page.waitForSelector('#in-flight td.empty', { timeout: 5000 });
    await eventually(async () => (await waitingIds(page)).sort().join() === naps.map((r) => r.taskId).sort().join(), 'both naps waiting again', 5000);
    await page.close();
    await app.queue.flush();
  });

  test(`SIGTERM stops ${server.name} with exit code 0`, async () => {
    web.child.kill('SIGTERM');
    assert.deepEqual(await exited(web.child), { code: 0, signal: null });
  });
});

