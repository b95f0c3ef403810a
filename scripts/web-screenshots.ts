/**
 * `npm run screenshots`: regenerates the two pictures of `huey web` in
 * docs/watching.md from a real run. A scratch app on the file backend gets
 * a few calls (one finished, one retried after a failure, two in flight,
 * one scheduled, some waiting, one dead letter), a consumer runs them,
 * `huey web` serves them, and Chromium photographs the queue page and the
 * retried task's page into docs/images/.
 */
import { join } from 'node:path';
import { REPO_ROOT, runNode, scratchDir, scratchPackage, sleep } from '../test/helpers.js';
import { APP, killChildren, launchBrowser, startConsumer, startWeb, CHROMIUM } from '../test/web-helpers.js';

type Call = ((...args: unknown[]) => Promise<{ taskId: string; get(o?: object): Promise<unknown> }>) & {
  schedule(o: { args: unknown[]; delay: number }): Promise<unknown>;
};

const COMMANDS = `${APP['commands.js']}
let attempts = 0;
export const countBeans = queueCommand(invoker, { retries: 2, retryDelay: 1 })(function countBeans(num) {
  if (++attempts === 1) throw new Error('bean counter jammed');
  return \`Counted \${num} beans\`;
});
`;

if (CHROMIUM === undefined) throw new Error('no Chromium: apt-get install -y chromium');
const dir = await scratchDir('huey-screenshots-');
const pkg = await scratchPackage({ ...APP, 'commands.js': COMMANDS });
const env = { HUEY_WEB_DIR: dir.path };
process.env.HUEY_WEB_DIR = dir.path;
const app = (await import(pkg.url('config.js'))) as { queue: { close(): Promise<void> }; store: { close(): Promise<void> } };
const commands = (await import(pkg.url('commands.js'))) as Record<'add' | 'nap' | 'countBeans', Call>;
const browser = await launchBrowser();
try {
  const web = await startWeb(pkg, env);
  const consumer = await startConsumer(pkg, env);
  const page = await browser.newPage({ viewport: { width: 1000, height: 760 }, deviceScaleFactor: 1 });
  await page.goto(web.url);
  const beans = await commands.countBeans(100);
  await beans.get({ blocking: true, timeout: 10 });
  await runNode([join(REPO_ROOT, 'bin/huey.js'), 'enqueue', 'main.Configuration', '-p', pkg.path, 'commands.ghost', '1'], { cwd: pkg.path, env: { ...process.env, ...env } });
  await commands.nap.schedule({ args: [10], delay: 3600 });
  // calls long enough for the page's once-a-second look to see them run: the chart counts them
  const naps = await Promise.all(Array.from({ length: 8 }, () => commands.nap(1500)));
  for (const nap of naps) await nap.get({ blocking: true, timeout: 30 });
  // two long naps hold the consumer's two threads; what comes after them waits
  await commands.nap(600_000);
  await commands.nap(600_000);
  for (let i = 1; i <= 4; i++) await commands.add(i, i * 10);
  await page.waitForSelector('#in-flight tbody a');
  await sleep(1500);
  await page.screenshot({ path: join(REPO_ROOT, 'docs/images/web-queue.png'), fullPage: true });

  await page.setViewportSize({ width: 1000, height: 520 });
  await page.goto(`${web.origin}/task/${beans.taskId}?token=${web.token}`);
  await page.waitForSelector('#timeline li.resultRead');
  await page.screenshot({ path: join(REPO_ROOT, 'docs/images/web-task.png'), fullPage: true });
  consumer.kill('SIGKILL');
  console.log('wrote docs/images/web-queue.png and docs/images/web-task.png');
} finally {
  await browser.close();
  killChildren();
  await app.queue.close();
  await app.store.close();
  await pkg.remove();
  await dir.remove();
}
