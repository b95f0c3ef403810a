/**
 * `huey web` in Chromium on Redis: the same page, the same live list and
 * timeline, with `huey web`, a consumer and this producer as separate
 * processes. Redis at 127.0.0.1:6379 under a key prefix of its own;
 * skipped without Redis or Chromium unless HUEY_REQUIRE_REDIS=1 /
 * HUEY_REQUIRE_BROWSER=1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { deletePrefix, testPrefix } from './backends/redis-helpers.js';
import { redisSkipReason, type ScratchPackage } from './helpers.js';
import { appPackage, browserSkipReason, exited, killChildren, launchBrowser, startConsumer, startWeb, type WebProcess } from './web-helpers.js';

type Call = (...args: unknown[]) => Promise<{ taskId: string }>;
interface App {
  queue: { close(): Promise<void> };
  store: { close(): Promise<void> };
}

const skip = (await redisSkipReason()) ?? browserSkipReason();

describe('huey web in Chromium, on Redis', { skip: skip ?? false }, () => {
  const prefix = testPrefix();
  const env = { HUEY_WEB_REDIS_PREFIX: prefix };
  let pkg: ScratchPackage;
  let app: App;
  let add: Call;
  let web: WebProcess;
  let browser: Browser;

  before(async () => {
    process.env.HUEY_WEB_REDIS_PREFIX = prefix;
    pkg = await appPackage();
    app = (await import(pkg.url('config.js'))) as App;
    add = ((await import(pkg.url('commands.js'))) as { add: Call }).add;
    web = await startWeb(pkg, env);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    killChildren();
    await app?.queue.close();
    await app?.store.close();
    await pkg?.remove();
    await deletePrefix(prefix);
  });

  test('waiting calls are listed, a late one appears within 2 s, a consumer drains the list live, and the task page shows the finished step', async () => {
    const first = await add(1, 2);
    const page = await browser.newPage();
    await page.goto(web.url);
    await page.waitForSelector(`#waiting a[href^="/task/${first.taskId}"]`);
    assert.equal(await page.textContent('#backend'), 'RedisBlockingQueue');
    const late = await add(3, 4);
    await page.waitForSelector(`#waiting a[href^="/task/${late.taskId}"]`, { timeout: 2000 });

    const consumer = await startConsumer(pkg, env);
    await page.waitForSelector('#waiting td.empty', { timeout: 10_000 });
    await page.waitForSelector('#consumers tr.alive');

    await page.goto(`${web.origin}/task/${late.taskId}?token=${web.token}`);
    await page.waitForSelector('#timeline li.finished');
    assert.equal(await page.textContent('#where'), 'finished; result waiting to be read');
    await page.close();

    consumer.kill('SIGTERM');
    assert.equal((await exited(consumer)).code, 0);
    web.child.kill('SIGTERM');
    assert.deepEqual(await exited(web.child), { code: 0, signal: null });
  });
});

