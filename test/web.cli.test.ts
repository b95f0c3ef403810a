/**
 * `huey web` as a process on the file backend, without a browser: its one
 * line, its token, where it listens, how it ends, and its JSON answers
 * against `huey info --json` and `huey trace --json`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { STATIC_DIR } from '../src/web/static-files.js';
import { eventually, REPO_ROOT, runNode, scratchDir, type ScratchPackage } from './helpers.js';
import { appPackage, exited, killChildren, runWebToEnd, startWeb, type WebProcess } from './web-helpers.js';

interface App {
  queue: { close(): Promise<void>; length(): Promise<number> };
  store: { close(): Promise<void> };
  invoker: object;
}
type Call = (...args: unknown[]) => Promise<{ taskId: string; get(o?: object): Promise<unknown> }>;

describe('huey web process on the file backend', () => {
  let pkg: ScratchPackage;
  let dir: { path: string; remove: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let app: App;
  let add: Call;
  let web: WebProcess;

  /** A read carries the token, as Prometheus sends it. */
  const authed = (): RequestInit => ({ headers: { authorization: `Bearer ${web.token}` } });
  const huey = (...argv: string[]) => runNode([`${REPO_ROOT}/bin/huey.js`, argv[0]!, 'main.Configuration', '-p', pkg.path, ...argv.slice(1)], { cwd: pkg.path, env: { ...process.env, ...env } });

  before(async () => {
    dir = await scratchDir('huey-web-cli-');
    env = { HUEY_WEB_DIR: dir.path };
    process.env.HUEY_WEB_DIR = dir.path;
    pkg = await appPackage();
    app = (await import(pkg.url('config.js'))) as App;
    add = ((await import(pkg.url('commands.js'))) as { add: Call }).add;
    web = await startWeb(pkg, env);
  });
  after(async () => {
    killChildren();
    await app?.queue.close();
    await app?.store.close();
    await pkg?.remove();
    await dir?.remove();
  });

  test('prints one line, huey web: http://127.0.0.1:<port>/?token=<at least 16 random characters>, new at each start', async () => {
    assert.match(web.line, /^huey web: http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{16,}$/);
    const other = await startWeb(pkg, env);
    assert.notEqual(other.token, web.token);
    assert.notEqual(other.origin, web.origin);
    other.child.kill('SIGINT');
    assert.deepEqual(await exited(other.child), { code: 0, signal: null });
    assert.equal(other.stderr(), '');
  });

  test('listens on 127.0.0.1 only by default: other addresses of this machine are refused', async (t) => {
    const port = new URL(web.origin).port;
    assert.equal((await fetch(`${web.origin}/api/info`, authed())).status, 200);
    const outside = Object.values(networkInterfaces()).flat().find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (outside === undefined) return t.skip('this machine has no address besides loopback');
    await assert.rejects(fetch(`http://${outside.address}:${port}/api/info`), (error: Error) => (error.cause as NodeJS.ErrnoException).code === 'ECONNREFUSED');
  });

  test('reads need the token: /api/info, /api/tasks/<id>, /api/events and /metrics answer 403 without it; the first visit with ?token= keeps it in a cookie', async () => {
    for (const path of ['/api/info', '/api/tasks/x', '/api/events', '/metrics']) {
      const refused = await fetch(`${web.origin}${path}`);
      assert.equal(refused.status, 403, path);
      assert.deepEqual(await refused.json(), { error: 'missing or wrong token: use the address huey web printed' });
      assert.equal((await fetch(`${web.origin}${path}`, { headers: { authorization: 'Bearer wrong' } })).status, 403, path);
    }
    const page = await fetch(`${web.origin}/?token=${web.token}`);
    const cookie = page.headers.get('set-cookie')!;
    assert.equal(cookie, `huey_token=${web.token}; Path=/; HttpOnly; SameSite=Strict`);
    assert.equal((await fetch(`${web.origin}/api/info`, { headers: { cookie: cookie.split(';')[0]! } })).status, 200);
    assert.equal((await fetch(`${web.origin}/?token=wrong`)).headers.get('set-cookie'), null);
  });

  test('answers 403 to a Host header other than its own address (a rebound DNS name)', async () => {
    const port = new URL(web.origin).port;
    const answer = await new Promise<string>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get({ host: '127.0.0.1', port, path: '/api/info', headers: { host: `evil.example:${port}` } }, (response) => resolve(String(response.statusCode))).on('error', reject),
      );
    });
    assert.equal(answer, '403');
  });

  test('GET /api/info answers exactly what huey info --json prints', async () => {
    await add(1, 1);
    const printed = await huey('info', '--json');
    assert.equal(printed.code, 0, printed.stderr);
    const answer = await fetch(`${web.origin}/api/info`, authed());
    assert.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(await answer.text(), printed.stdout);
  });

  test('GET /api/tasks/<id> answers exactly what huey trace --json prints; an unknown id is a 404 with the same line', async () => {
    const res = await add(2, 3);
    const printed = await huey('trace', res.taskId, '--json');
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(await (await fetch(`${web.origin}/api/tasks/${res.taskId}`, authed())).text(), printed.stdout);
    assert.equal((JSON.parse(printed.stdout) as { summary: string }).summary, 'waiting in the queue at position 2');

    const unknown = await huey('trace', 'no-such-task', '--json');
    const answer = await fetch(`${web.origin}/api/tasks/no-such-task`, authed());
    assert.equal(answer.status, 404);
    assert.equal(`huey: ${((await answer.json()) as { error: string }).error}\n`, unknown.stderr);
  });

  test('the actions take POST and the token (query or x-huey-token header); revoke revokes the task, as huey info then counts', async () => {
    const { origin, token } = web;
    assert.equal((await fetch(`${origin}/api/dead-letters/requeue`, { method: 'POST' })).status, 403);
    assert.equal((await fetch(`${origin}/api/dead-letters/purge`, authed())).status, 405);
    const requeued = await fetch(`${origin}/api/dead-letters/requeue?token=${token}`, { method: 'POST' });
    assert.deepEqual(await requeued.json(), { requeued: 0 });
    assert.equal((await fetch(`${origin}/api/tasks/x/revoke`, { method: 'POST' })).status, 403);
    const revoke = await fetch(`${origin}/api/tasks/x/revoke`, { method: 'POST', headers: { 'x-huey-token': token } });
    assert.equal(revoke.status, 200);
    assert.deepEqual(await revoke.json(), { revoked: 'x' });
    const printed = await huey('info', '--json');
    assert.ok((JSON.parse(printed.stdout) as { revoked: string[] }).revoked.includes('task:x'), printed.stdout);
  });

  test('serves the page and its files from the package, with a policy that forbids loading anything from elsewhere', async () => {
    for (const [path, type] of [['/', 'text/html'], ['/task/abc', 'text/html'], ['/static/queue.js', 'text/javascript'], ['/static/style.css', 'text/css']] as const) {
      const answer = await fetch(`${web.origin}${path}`);
      assert.equal(answer.status, 200, path);
      assert.match(answer.headers.get('content-type')!, new RegExp(`^${type}`), path);
      assert.match(answer.headers.get('content-security-policy')!, /default-src 'none'; script-src 'self'/);
      // the SVG namespace is a name, not an address
      assert.doesNotMatch((await answer.text()).replace('http://www.w3.org/2000/svg', ''), /https?:\/\//, `${path} names no other site`);
    }
    assert.equal((await fetch(`${web.origin}/static/../package.json`)).status, 404);
    assert.equal((await fetch(`${web.origin}/static/nothing.js`)).status, 404);
  });

  test('the package ships the page files (npm pack lists every file of src/web/static/, where the server reads them)', async () => {
    const packed = await new Promise<string>((resolve, reject) =>
      execFile('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    const shipped = new Set((JSON.parse(packed) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    const files = await readdir(STATIC_DIR);
    assert.ok(files.includes('index.html') && files.includes('task.js'), files.join());
    for (const file of files) assert.ok(shipped.has(relative(REPO_ROOT, join(STATIC_DIR, file))), `${file} ships`);
  });

  test('a port already taken is one line on stderr and exit code 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const run = await runWebToEnd(pkg, env, ['--port', String(port)]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr, `huey: port ${port} on 127.0.0.1 is taken: choose another with --port\n`);
    } finally {
      taken.close();
    }
  });

  test('a bad --port is one line and exit code 1', async () => {
    const run = await runWebToEnd(pkg, env, ['--port', 'eighty']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Expected `--port` to be a port number \(0-65535\), got "eighty"/);
  });

  test('SIGTERM stops it with exit code 0, open pages (event streams) and all', async () => {
    const stream = await fetch(`${web.origin}/api/events`, authed());
    const reader = stream.body!.getReader();
    await eventually(async () => new TextDecoder().decode((await reader.read()).value).includes('data: '), 'a first look');
    web.child.kill('SIGTERM');
    assert.deepEqual(await exited(web.child), { code: 0, signal: null });
    assert.equal(web.stderr(), '');
  });
});
