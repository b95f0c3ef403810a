/**
 * Helpers of the `huey web` tests: Debian's Chromium driven by
 * playwright-core, the `huey web` process (its one line parsed), consumer
 * processes, and a scratch app on the file backend or Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT, scratchPackage, type ScratchPackage } from './helpers.js';

/** The Chromium binary: `HUEY_CHROMIUM` when set, else Debian's; `undefined` when it is not there. */
export const CHROMIUM = (process.env.HUEY_CHROMIUM ? [process.env.HUEY_CHROMIUM] : ['/usr/bin/chromium', '/usr/bin/chromium-browser']).find((path) => existsSync(path));

/**
 * Why browser tests are skipped, or `undefined` when Chromium is there.
 * With `HUEY_REQUIRE_BROWSER=1` a missing browser is an error instead.
 */
export function browserSkipReason(): string | undefined {
  if (CHROMIUM !== undefined) return undefined;
  if (process.env.HUEY_REQUIRE_BROWSER === '1') throw new Error('Chromium is required (HUEY_REQUIRE_BROWSER=1) but not installed: apt-get install -y chromium');
  return 'no Chromium (apt-get install -y chromium)';
}

/** Starts Chromium headless, cut off from everything but the pages it is sent to. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** A scratch app: `config.js` (file backend under `HUEY_WEB_DIR`, or Redis when `HUEY_WEB_REDIS_PREFIX` is set), `commands.js`, `main.js`. */
export const APP = {
  'config.js': `
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
let queue, store;
if (process.env.HUEY_WEB_REDIS_PREFIX) {
  const { RedisBlockingQueue, RedisDataStore } = await import('huey/backends/redis');
  const connection = { host: '127.0.0.1', port: 6379, prefix: process.env.HUEY_WEB_REDIS_PREFIX };
  queue = new RedisBlockingQueue('web', connection);
  store = new RedisDataStore('web-results', connection);
} else {
  const { FileDataStore, FileQueue } = await import('huey/backends/file');
  queue = new FileQueue('web', { path: process.env.HUEY_WEB_DIR });
  store = new FileDataStore('web-results', { path: process.env.HUEY_WEB_DIR });
}
export { queue, store };
export const invoker = new Invoker(queue, { resultStore: store, trace: true });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = store;
  static TRACE = true;
  static THREADS = 2;
}
`,
  'commands.js': `
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
export const add = queueCommand(invoker)(function add(a, b) { return a + b; });
export const nap = queueCommand(invoker)(function nap(ms) { return new Promise((resolve) => setTimeout(() => resolve(ms), ms)); });
`,
  'main.js': `export { Configuration } from './config.js';\nimport './commands.js';\n`,
  // the view mounted in an Express app under /admin/queue, printing the line huey web prints
  'mounted.js': `
import { webHandler } from 'huey/web';
import { invoker } from './config.js';
const { default: express } = await import(process.env.HUEY_EXPRESS);
const app = express();
app.get('/', (request, response) => response.send('the app itself'));
const view = webHandler(invoker);
app.use('/admin/queue', view);
const server = app.listen(0, '127.0.0.1', () => console.log(\`huey web: http://127.0.0.1:\${server.address().port}/admin/queue/?token=\${view.token}\`));
const stop = () => { view.close(); server.closeAllConnections(); server.close(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`,
};

/** Where Express is, for the mounted app (the scratch package has no node_modules of its own). */
const EXPRESS = pathToFileURL(createRequire(import.meta.url).resolve('express')).href;

/** A child process, ended by the tests' clean-up if still running. */
const children = new Set<ChildProcess>();

/** Kills every child still running (SIGKILL): for `after()`. */
export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Resolves with the exit code (or signal) of a child. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function node(args: string[], pkg: ScratchPackage, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: pkg.path, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A running `huey web`: its process, what it printed, and the parts of its address. */
export interface WebProcess {
  child: ChildProcess;
  /** The one line it printed. */
  line: string;
  /** The page's address with the token. */
  url: string;
  origin: string;
  /** Where the view is mounted: `''` for huey web, `/admin/queue` in the Express app. */
  prefix: string;
  /** The origin and the prefix: the view's pages are under it. */
  root: string;
  token: string;
  stderr: () => string;
}

/**
 * Starts `node bin/huey.js web main.Configuration -p <pkg> ...args` and
 * resolves once it printed its line (or rejects with what it printed on
 * stderr when it exits first).
 */
export function startWeb(pkg: ScratchPackage, env: NodeJS.ProcessEnv, args: string[] = ['--port', '0']): Promise<WebProcess> {
  return webProcess(node([join(REPO_ROOT, 'bin/huey.js'), 'web', 'main.Configuration', '-p', pkg.path, ...args], pkg, env));
}

/** Starts the app's Express server with the view mounted under `/admin/queue` (`mounted.js`); resolves once it printed its line. */
export function startMounted(pkg: ScratchPackage, env: NodeJS.ProcessEnv): Promise<WebProcess> {
  return webProcess(node([join(pkg.path, 'mounted.js')], pkg, { ...env, HUEY_EXPRESS: EXPRESS }));
}

function webProcess(child: ChildProcess): Promise<WebProcess> {
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      const url = line.replace(/^huey web: /, '');
      const parsed = new URL(url);
      const prefix = parsed.pathname.replace(/\/$/, '');
      resolve({ child, line, url, origin: parsed.origin, prefix, root: `${parsed.origin}${prefix}`, token: parsed.searchParams.get('token') ?? '', stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`huey web exited (${code}) before printing its address: ${stderr}`)));
  });
}

/** Runs `huey web` to its end; resolves with its exit code and output. */
export function runWebToEnd(pkg: ScratchPackage, env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = node([join(REPO_ROOT, 'bin/huey.js'), 'web', 'main.Configuration', '-p', pkg.path, ...args], pkg, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  return exited(child).then(({ code }) => ({ code, stdout, stderr }));
}

/** Starts a consumer process of the app, tracing; resolves once it logged that it is receiving. */
export function startConsumer(pkg: ScratchPackage, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = node([join(REPO_ROOT, 'bin/huey-consumer.js'), 'main.Configuration', '-p', pkg.path, '--trace'], pkg, env);
  let log = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/\+ commands\.nap/.test(log)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`consumer exited (${code}): ${log}`)));
  });
}

/** The scratch app package. */
export function appPackage(): Promise<ScratchPackage> {
  return scratchPackage(APP);
}
