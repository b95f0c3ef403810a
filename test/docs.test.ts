/**
 * Docs as tests: every fenced code block in README.md, docs/ (not the
 * generated docs/api/), tutorials/ and getting-started/README.md either
 * runs here, or carries a marker saying why it does not.
 *
 * The marker syntax is documented for writers in docs/contributing.md; in
 * short, HTML comments (invisible once rendered) on the lines right above a
 * fence:
 *
 * - `<!-- file: NAME -->`     the block is the file NAME: it is written into
 *                             the page's working directory; beside a page
 *                             that has its code in its folder (tutorials,
 *                             getting-started) it must be that file, present and equal.
 * - a ```sh block             runs in bash (`set -e`), stdout and stderr
 *                             together, and must exit 0.
 * - `<!-- exit: N -->`        ...must exit with N instead.
 * - `<!-- background -->`     ...runs in the background, like a second
 *                             terminal; the page goes on once it printed
 *                             `consumer started` (or the text given:
 *                             `<!-- background: reload: watching -->`). It
 *                             is stopped at `<!-- stop -->` or at the end
 *                             of the page: SIGINT (Ctrl-C) when the page
 *                             shows it receiving one, else SIGTERM. One
 *                             command only.
 * - `<!-- output -->`         a ```text block later in the page: more of the
 *                             latest background command's output (`: N`,
 *                             the page's Nth), waited for where it stands.
 * - `<!-- run -->`            a ```js block runs as `node snippet.js`.
 * - a ```text block right after a block that runs is its expected output.
 *   Both sides are normalised first: ISO times become `<time>`, UUIDs
 *   `<uuid>`, file-queue file names `<file>.json`, the scratch app's path
 *   `~/my-app` and the repository's `~/huey`. A line `...` stands for any
 *   number of lines.
 * - `<!-- not-run: REASON -->` the block does not run, for REASON.
 * - `<!-- requires: redis -->` anywhere: the page is skipped, with the
 *   reason, when Redis does not answer (an error under HUEY_REQUIRE_REDIS=1).
 * - `<!-- requires: typescript -->` anywhere: the fresh app gets this
 *   repository's `typescript` and `@types/node` in its node_modules, as
 *   `npm install --save-dev typescript @types/node` would give it.
 *
 * Besides running pages, it checks that a stop marker and each terminal's
 * output are announced in visible prose, that a tutorial leaves no file git
 * would list, and that each `file.ts` → `name` a page gives is defined there.
 *
 * Where pages run: README.md and docs/ pages in a fresh app (its own
 * package.json, huey installed as node_modules/huey, `npx huey-consumer`);
 * tutorials/ and getting-started/ pages in a mirror of this repository
 * (package.json, bin, dist and node_modules linked), in a copy of their
 * own folder, so `node ../../bin/huey-consumer.js` works as in a clone.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { REDIS, REPO_ROOT, redisSkipReason, sleep } from './helpers.js';

// ---------------------------------------------------------------- parsing

/** One fenced code block of a page. */
interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  /** Markers on the lines right above the fence: `name` or `name: value`. */
  markers: Map<string, string>;
  kind: 'run' | 'background' | 'snippet' | 'file' | 'output' | 'more-output' | 'not-run';
  /** The block's expected output, for blocks that run. */
  output?: Block;
  /** The visible lines of prose right above the block (markers left out). */
  prose: string;
}

/** One page and what it asks for. */
interface Page {
  file: string;
  /** Blocks and standalone `stop` markers, in page order. */
  steps: (Block | { stop: number })[];
  blocks: Block[];
  requires: Set<string>;
  /** Each `stop` marker's line, with the prose right above and right below it. */
  stops: { line: number; prose: string }[];
}

/**
 * The paragraph of prose that ends right above line `end` (exclusive), markers and blank lines between left out;
 * with `overBlock`, a code block right above is stepped over (the output a stop marker follows).
 */
function proseAbove(lines: string[], end: number, overBlock = false): string {
  const skip = (from: number): number => {
    while (from >= 0 && (lines[from]!.trim() === '' || MARKER.test(lines[from]!.trim()))) from--;
    return from;
  };
  let i = skip(end - 1);
  if (overBlock && i >= 0 && /^(`{3,}|~{3,})\s*$/.test(lines[i]!)) {
    do i--;
    while (i >= 0 && !/^(`{3,}|~{3,})/.test(lines[i]!));
    i = skip(i - 1);
  }
  const paragraph: string[] = [];
  for (; i >= 0 && lines[i]!.trim() !== '' && !/^(`{3,}|~{3,})/.test(lines[i]!) && !MARKER.test(lines[i]!.trim()); i--) paragraph.unshift(lines[i]!);
  return paragraph.join('\n');
}

/** The paragraph of prose that starts right below line `start` (exclusive). */
function proseBelow(lines: string[], start: number): string {
  let i = start + 1;
  while (i < lines.length && (lines[i]!.trim() === '' || MARKER.test(lines[i]!.trim()))) i++;
  const paragraph: string[] = [];
  for (; i < lines.length && lines[i]!.trim() !== '' && !/^(`{3,}|~{3,})/.test(lines[i]!) && !MARKER.test(lines[i]!.trim()); i++) paragraph.push(lines[i]!);
  return paragraph.join('\n');
}

const MARKER = /^<!--\s*([a-z-]+)(?::\s*(.*?))?\s*-->\s*$/;
const RUNNABLE_SHELL = new Set(['sh', 'bash', 'shell']);
const KNOWN_MARKERS = new Set(['file', 'exit', 'background', 'run', 'not-run', 'stop', 'requires', 'output']);

function parsePage(file: string): Page {
  const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
  const page: Page = { file, steps: [], blocks: [], requires: new Set(), stops: [] };
  let pending = new Map<string, string>();
  let last: Block | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = MARKER.exec(line.trim());
    if (marker) {
      const [, name, value = ''] = marker;
      if (!KNOWN_MARKERS.has(name!)) throw new Error(`${file}:${i + 1}: unknown marker "${name}"`);
      if (name === 'requires') page.requires.add(value);
      else if (name === 'stop') {
        page.steps.push({ stop: i + 1 });
        page.stops.push({ line: i + 1, prose: `${proseAbove(lines, i, true)}\n${proseBelow(lines, i)}` });
      }
      else pending.set(name!, value);
      continue;
    }
    const fence = /^(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (!fence) {
      if (line.trim() !== '' && pending.size > 0) throw new Error(`${file}:${i + 1}: a marker must sit right above a fence`);
      continue;
    }
    const closing = new RegExp(`^${fence[1]![0]}{${fence[1]!.length},}\\s*$`);
    const close = lines.findIndex((l, j) => j > i && closing.test(l));
    if (close < 0) throw new Error(`${file}:${i + 1}: unclosed fence`);
    const block: Block = { line: i + 1, lang: fence[2]!, text: lines.slice(i + 1, close).join('\n') + '\n', markers: pending, kind: 'not-run', prose: proseAbove(lines, i) };
    pending = new Map();
    i = close;
    block.kind = classify(file, block, last);
    if (block.kind === 'output') last!.output = block;
    page.blocks.push(block);
    page.steps.push(block);
    last = block;
  }
  return page;
}

function classify(file: string, block: Block, previous: Block | undefined): Block['kind'] {
  const where = `${file}:${block.line}`;
  const has = (name: string): boolean => block.markers.has(name);
  if (has('not-run')) {
    if (block.markers.get('not-run')!.trim() === '') throw new Error(`${where}: not-run needs a reason`);
    return 'not-run';
  }
  if (has('file')) return 'file';
  const ranBefore = previous !== undefined && ['run', 'background', 'snippet'].includes(previous.kind) && previous.output === undefined;
  // more of a background command's output, shown where it appears in the page's story
  if (block.lang === 'text' && has('output')) return 'more-output';
  if (block.lang === 'text' && ranBefore) return 'output';
  if (RUNNABLE_SHELL.has(block.lang)) return has('background') ? 'background' : 'run';
  if (has('run') && ['js', 'javascript', 'mjs'].includes(block.lang)) return 'snippet';
  throw new Error(`${where}: a \`\`\`${block.lang || '(no language)'} block that neither runs nor says why: add <!-- not-run: REASON --> or <!-- file: NAME -->`);
}

/** Every page the docs test reads, relative to the repository root. */
function pages(): string[] {
  const found = ['README.md'];
  const walk = (dir: string): void => {
    if (!existsSync(join(REPO_ROOT, dir))) return;
    for (const name of readdirSync(join(REPO_ROOT, dir)).sort()) {
      const path = join(dir, name);
      if (path === join('docs', 'api') || name === 'node_modules' || name.startsWith('.')) continue;
      if (statSync(join(REPO_ROOT, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) found.push(path);
    }
  };
  walk('docs');
  walk('tutorials');
  walk('getting-started');
  return found;
}

// ---------------------------------------------------------------- output

/** Replaces what varies from run to run; applied to both the page and the real output. */
function normalise(text: string, paths: [string, string][]): string {
  for (const [path, shown] of paths) text = text.split(path).join(shown);
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, '<time>')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g, '<time>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\b\d{13}-\d{6}-[a-z0-9]+\.json/g, '<file>.json')
    // a consumer's id (its pid and a random tag), and how long ago something happened, as `huey info` prints them
    .replace(/\b(?:[\w.-]+:\d+:|\d+-)[0-9a-f]{8}\b/g, '<consumer>')
    .replace(/\b\d+ (?:s|min|h) ago\b/g, '<age> ago')
    .replace(/\bin \d+(?:\.\d+)? ms\b/g, 'in <duration>')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

/** A regular expression for an expected output, where a line `...` is any number of lines. */
function pattern(expected: string, prefix: boolean): RegExp {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const body = expected
    .split('\n')
    .map((line) => (line.trim() === '...' ? '(?:[^\\n]*\\n)*?' : `${escape(line)}\\n`))
    .join('');
  return new RegExp(`^${body}${prefix ? '' : '$'}`);
}

function matches(actual: string, expected: string, prefix = false): boolean {
  return pattern(expected, prefix).test(actual === '' ? '' : `${actual}\n`);
}

/** The part of a background block's output shown before the line about the signal that stops it. */
function beforeSignal(expected: string): string {
  const lines = expected.split('\n');
  const at = lines.findIndex((line) => /SIGTERM|SIGINT/.test(line));
  return (at < 0 ? lines : lines.slice(0, at)).join('\n').replace(/(\n\.\.\.)+$/, '');
}

// ---------------------------------------------------------------- running

interface Workspace {
  /** Where the page's commands run. */
  cwd: string;
  /** Real paths and how pages show them. */
  paths: [string, string][];
  remove(): Promise<void>;
}

/** A fresh app with huey installed: how a user's own project looks after `npm install`. */
async function freshApp(page: Page): Promise<Workspace> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'huey-docs-app-')));
  const app = join(root, 'my-app');
  await mkdir(join(app, 'node_modules', '.bin'), { recursive: true });
  await writeFile(join(app, 'package.json'), `${JSON.stringify({ name: 'my-app', private: true, type: 'module' }, null, 2)}\n`);
  await symlink(REPO_ROOT, join(app, 'node_modules', 'huey'), 'dir');
  await symlink(join('..', 'huey', 'bin', 'huey-consumer.js'), join(app, 'node_modules', '.bin', 'huey-consumer'));
  await symlink(join('..', 'huey', 'bin', 'huey.js'), join(app, 'node_modules', '.bin', 'huey'));
  if (page.requires.has('typescript')) {
    await mkdir(join(app, 'node_modules', '@types'));
    for (const name of ['typescript', '@types/node', 'undici-types']) await symlink(join(REPO_ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
    await symlink(join('..', 'typescript', 'bin', 'tsc'), join(app, 'node_modules', '.bin', 'tsc'));
  }
  return { cwd: app, paths: [[app, '~/my-app'], [REPO_ROOT, '~/huey']], remove: () => rm(root, { recursive: true, force: true }) };
}

/** A mirror of this repository with the page's folder copied in: how a clone looks, without touching it. */
async function repoMirror(pageDir: string): Promise<Workspace> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'huey-docs-repo-')));
  const mirror = join(root, 'huey');
  await mkdir(mirror);
  for (const name of ['package.json', 'bin', 'dist', 'node_modules', 'src', 'test']) {
    await symlink(join(REPO_ROOT, name), join(mirror, name));
  }
  const cwd = join(mirror, pageDir);
  await mkdir(cwd, { recursive: true });
  if (pageDir !== '.') {
    await cp(join(REPO_ROOT, pageDir), cwd, { recursive: true, filter: (src) => !/(^|\/)(\.huey|README\.md)$/.test(relative(join(REPO_ROOT, pageDir), src)) });
  }
  return { cwd, paths: [[mirror, '~/huey'], [REPO_ROOT, '~/huey']], remove: () => rm(root, { recursive: true, force: true }) };
}

/** The environment of a page's commands: ours, without the test runner's marker (a page may run `node --test` itself). */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** A process started by a block, its output collected as it arrives (stdout and stderr together). */
class Run {
  output = '';
  code: number | null | undefined = undefined;
  readonly done: Promise<void>;
  readonly #pid: number;

  constructor(script: string, cwd: string, background: boolean) {
    // `exec 2>&1` merges the streams in the order they are written; one background command is exec'd, so it gets the signal itself
    const child = spawn('bash', ['-c', `set -eo pipefail\nexec 2>&1\n${background ? 'exec ' : ''}${script}`], {
      cwd,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    this.#pid = child.pid!;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => (this.output += text));
    this.done = new Promise((resolve) => child.on('close', (code, signal) => resolve(void (this.code = code ?? (signal ? -1 : null)))));
  }

  /** Signals the process group (the command and anything it started). */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.#pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** Waits up to `ms` for the process to end; kills it if it does not. */
  async finish(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([this.done.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)))]);
    clearTimeout(timer);
    if (!ended) {
      this.signal('SIGKILL');
      await this.done;
    }
    return ended;
  }
}

const BLOCK_TIMEOUT_MS = 30_000;
/** After a background command printed what the page shows, a moment for the call to be acknowledged before SIGTERM. */
const SETTLE_MS = 300;

async function runPage(page: Page, t: { diagnostic(message: string): void }): Promise<void> {
  const dir = dirname(page.file);
  const inRepo = dir.startsWith('tutorials') || dir.startsWith('getting-started');
  const work = inRepo ? await repoMirror(dir) : await freshApp(page);
  /** Background commands still running; `shown` is what the page shows of each one's output so far, block by block. */
  const background: { block: Block; run: Run; ordinal: number; shown: string[] }[] = [];
  let started = 0;
  const at = (block: Block): string => `${page.file}:${block.line}`;
  const compare = (block: Block, actual: string, expected = block.output?.text): void => {
    if (expected === undefined) return;
    const got = normalise(actual, work.paths);
    const want = normalise(expected, work.paths);
    if (!matches(got, want)) {
      assert.fail(`${at(block)}: the output differs from the page (${page.file}:${block.output?.line ?? block.line})\n--- page shows:\n${want}\n--- printed:\n${got}\n---`);
    }
  };
  /** Waits until a background command printed `expected` (up to its line about a signal), or ended. */
  const waitFor = async (run: Run, expected: string): Promise<boolean> => {
    const shown = normalise(beforeSignal(expected), work.paths);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !matches(normalise(run.output, work.paths), shown, true) && run.code === undefined) await sleep(50);
    return matches(normalise(run.output, work.paths), shown, true);
  };
  const stopAll = async (): Promise<void> => {
    for (const { block, run, shown } of background.splice(0)) {
      const expected = shown.length > 0 ? shown.join('') : undefined;
      if (expected !== undefined) {
        await waitFor(run, expected);
        await sleep(SETTLE_MS);
      }
      // Ctrl-C sends SIGINT: a page that shows the consumer receiving it gets it
      run.signal(expected !== undefined && /SIGINT received/.test(expected) ? 'SIGINT' : 'SIGTERM');
      if (!(await run.finish(15_000))) assert.fail(`${at(block)}: still running 15 s after the signal\n${run.output}`);
      compare(block, run.output, expected);
    }
  };
  try {
    for (const step of page.steps) {
      if ('stop' in step) {
        await stopAll();
        continue;
      }
      const block = step;
      if (block.kind === 'file') {
        const name = block.markers.get('file')!;
        const target = join(work.cwd, name);
        if (inRepo) {
          assert.ok(existsSync(join(REPO_ROOT, dir, name)), `${at(block)}: ${join(dir, name)} should sit beside the page`);
          const beside = await readFile(join(REPO_ROOT, dir, name), 'utf8');
          assert.equal(block.text, beside, `${at(block)}: the block differs from ${join(dir, name)} beside the page`);
        }
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, block.text);
      } else if (block.kind === 'run' || block.kind === 'snippet') {
        let script = block.text;
        if (block.kind === 'snippet') {
          await writeFile(join(work.cwd, 'snippet.js'), block.text);
          script = 'node snippet.js';
        }
        const run = new Run(script, work.cwd, false);
        if (!(await run.finish(BLOCK_TIMEOUT_MS))) assert.fail(`${at(block)}: still running after ${BLOCK_TIMEOUT_MS / 1000} s\n${run.output}`);
        const exit = Number(block.markers.get('exit') ?? 0);
        assert.equal(run.code, exit, `${at(block)}: exit code ${run.code}, the page expects ${exit}\n${run.output}`);
        compare(block, run.output);
      } else if (block.kind === 'more-output') {
        // `<!-- output -->` continues the latest background command; `<!-- output: N -->` the page's Nth
        const which = block.markers.get('output')!;
        const owner = which === '' ? background.at(-1) : background.find((b) => b.ordinal === Number(which));
        if (owner === undefined) throw new Error(`${at(block)}: <!-- output${which ? `: ${which}` : ''} --> continues no background command still running`);
        owner.shown.push(block.text);
        if (!(await waitFor(owner.run, owner.shown.join('')))) {
          // what the background command printed so far, against what the page shows of it up to here
          compare({ ...owner.block, output: block }, owner.run.output, `${beforeSignal(owner.shown.join(''))}\n...`);
        }
      } else if (block.kind === 'background') {
        if (block.text.trim().includes('\n')) throw new Error(`${at(block)}: a background block holds one command`);
        const run = new Run(block.text.trim(), work.cwd, true);
        background.push({ block, run, ordinal: ++started, shown: block.output === undefined ? [] : [block.output.text] });
        const ready = block.markers.get('background') || 'consumer started';
        const deadline = Date.now() + 15_000;
        while (!run.output.includes(ready)) {
          if (run.code !== undefined || Date.now() > deadline) assert.fail(`${at(block)}: never printed "${ready}"\n${run.output}`);
          await sleep(20);
        }
      }
    }
    await stopAll();
    if (inRepo) {
      const left = untracked(dir, work.cwd);
      assert.deepEqual(left, [], `${page.file}: following the page leaves files git would list as untracked or modified; remove or restore them in a visible step, or have git ignore them`);
    }
  } finally {
    for (const { run } of background) {
      run.signal('SIGKILL');
      await run.done;
    }
    await work.remove();
  }
  t.diagnostic(`${page.file}: ran ${page.blocks.filter((b) => ['run', 'background', 'snippet'].includes(b.kind)).length} blocks`);
}

/** Files under `cwd` (a page's copy of its folder `dir`) that the folder does not hold, or holds otherwise, and git does not ignore. */
function untracked(dir: string, cwd: string): string[] {
  const made: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(cwd, rel), { withFileTypes: true })) {
      const path = join(rel, entry.name);
      const original = join(REPO_ROOT, dir, path);
      if (entry.isDirectory()) walk(path);
      else if (!existsSync(original) || !readFileSync(original).equals(readFileSync(join(cwd, path)))) made.push(join(dir, path));
    }
  };
  walk('.');
  if (made.length === 0) return [];
  // --no-index: ignored by the rules, whether or not git tracks the path
  const ignored = spawnSync('git', ['check-ignore', '--no-index', '--stdin'], { cwd: REPO_ROOT, input: made.join('\n'), encoding: 'utf8' });
  if (ignored.status !== 0 && ignored.status !== 1) throw new Error(`git check-ignore failed: ${ignored.stderr}`);
  const skip = new Set(ignored.stdout.split('\n'));
  return made.filter((path) => !skip.has(path));
}

/** Takes a lock in Redis (waiting up to 2 min for it) so that one run at a time uses a page's Redis keys; returns its release. */
async function redisLock(key: string): Promise<() => Promise<void>> {
  const { Redis } = await import('ioredis');
  const client = new Redis({ ...REDIS, lazyConnect: true, maxRetriesPerRequest: 2 });
  await client.connect();
  const token = `${process.pid}-${Date.now()}`;
  const deadline = Date.now() + 120_000;
  while ((await client.set(key, token, 'PX', 120_000, 'NX')) !== 'OK') {
    if (Date.now() > deadline) {
      client.disconnect();
      throw new Error(`another run held the Redis lock ${key} for 2 minutes`);
    }
    await sleep(200);
  }
  return async () => {
    if ((await client.get(key)) === token) await client.del(key);
    client.disconnect();
  };
}

// ---------------------------------------------------------------- tests

const PAGES = pages().map(parsePage);

describe('docs: every example runs', { concurrency: 3 }, () => {
  for (const page of PAGES) {
    test(`${page.file} runs as the page shows`, async (t) => {
      if (page.requires.has('redis')) {
        const reason = await redisSkipReason();
        if (reason !== undefined) return t.skip(reason);
        // the page's queue name is fixed, and other checkouts may run this suite on the same Redis at once
        const release = await redisLock(`huey-docs-test:${page.file}`);
        try {
          await runPage(page, t);
        } finally {
          await release();
        }
        return;
      }
      await runPage(page, t);
    });
  }
});

test('docs: every code block runs or says why not', (t) => {
  const blocks = PAGES.flatMap((page) => page.blocks);
  const count = (kind: string): number => blocks.filter((block) => block.kind === kind).length;
  const reasons = new Map<string, number>();
  for (const block of blocks.filter((b) => b.kind === 'not-run')) {
    const reason = block.markers.get('not-run')!;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  t.diagnostic(
    `${blocks.length} blocks in ${PAGES.length} pages: ${count('run') + count('background') + count('snippet')} run ` +
      `(${count('background')} in the background), ${count('file')} files written, ${count('output')} outputs compared, ${count('not-run')} not run`,
  );
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) t.diagnostic(`  not run x${n}: ${reason}`);
  assert.ok(count('run') + count('background') + count('snippet') > 0);
});

test('docs: a page that needs its consumer stopped says so in visible text', () => {
  const silent = PAGES.flatMap((page) => page.stops.filter((stop) => !/\b(stop|Ctrl-C|kill)/i.test(stop.prose)).map((stop) => `${page.file}:${stop.line}`));
  assert.deepEqual(silent, [], 'the prose right above or below a <!-- stop --> marker should tell the reader to stop the consumer');
});

test('docs: a page says in which terminal each background command runs and each of its outputs shows', () => {
  const unsaid: string[] = [];
  for (const page of PAGES) {
    for (const block of page.blocks) {
      if ((block.kind === 'background' || block.kind === 'more-output') && !/terminal/i.test(block.prose)) unsaid.push(`${page.file}:${block.line}`);
    }
  }
  assert.deepEqual(unsaid, [], 'the prose right above a background command, or above more of its output, should name its terminal');
});

test('docs: every relative link of a page leads to a file of the repository', () => {
  const broken: string[] = [];
  for (const page of PAGES) {
    const text = readFileSync(join(REPO_ROOT, page.file), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const path = target!.replace(/#.*$/, '');
      if (path === '' || /^[a-z]+:/.test(path)) continue;
      const file = join(REPO_ROOT, dirname(page.file), path);
      // docs/api/ is generated by `npm run docs`, and git-ignored
      if (relative(REPO_ROOT, file).startsWith(join('docs', 'api'))) continue;
      if (!existsSync(file)) broken.push(`${page.file}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

/**
 * Where a page names a function of the source as `` `src/file.ts` → `name` `` (or
 * `` [`src/file.ts`](../src/file.ts) → `name` ``): the file, and the name. `name` is a
 * function, class, constant, interface or type of the file, or `Class.method`
 * (`Class.#method` for a private one).
 */
function namedDefinitions(page: string, text: string): { file: string; name: string; where: string }[] {
  const found: { file: string; name: string; where: string }[] = [];
  const lines = text.split('\n');
  const arrow = /(?:\[`([^`]+\.ts)`\]\(([^)\s]+)\)|`([^`]+\.ts)`)\s*→\s*`([^`]+)`/g;
  lines.forEach((line, i) => {
    for (const match of line.matchAll(arrow)) {
      const [, , target, plain, name] = match;
      // a link resolves from the page's folder; a plain path from the repository's root
      const file = target !== undefined ? relative(REPO_ROOT, join(REPO_ROOT, dirname(page), target)) : plain!;
      found.push({ file, name: name!, where: `${page}:${i + 1}` });
    }
  });
  return found;
}

/** Whether `source` defines `name` (see {@link namedDefinitions}). */
function defines(source: string, name: string): boolean {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&');
  const topLevel = (n: string): RegExp =>
    new RegExp(`^(?:export\\s+)?(?:default\\s+)?(?:abstract\\s+)?(?:async\\s+)?(?:function\\*?|class|const|let|interface|type)\\s+${escape(n)}\\b`, 'm');
  const dot = name.indexOf('.');
  if (dot < 0) return topLevel(name).test(source);
  const [owner, member] = [name.slice(0, dot), name.slice(dot + 1)];
  const start = topLevel(owner).exec(source);
  if (start === null) return false;
  // the owner's body: from its declaration to the first line that closes it at the top level
  const rest = source.slice(start.index);
  const end = rest.search(/\n\}/);
  const body = end < 0 ? rest : rest.slice(0, end);
  return new RegExp(`^\\s+(?:(?:static|async|get|set|readonly|private|protected|public|override)\\s+)*\\*?${escape(member)}\\s*[(<=:?!]`, 'm').test(body);
}

test('docs: every function a page names as `file.ts` → `name` is defined in that file', () => {
  const stale: string[] = [];
  let checked = 0;
  for (const page of PAGES) {
    // code blocks, and ``double-backtick`` spans (where a page shows the form itself), name nothing
    const text = readFileSync(join(REPO_ROOT, page.file), 'utf8')
      .replace(/```[\s\S]*?```/g, (block) => block.replace(/[^\n]/g, ''))
      .replace(/``[^`\n].*?``/g, '');
    for (const { file, name, where } of namedDefinitions(page.file, text)) {
      checked++;
      const path = join(REPO_ROOT, file);
      if (!existsSync(path)) stale.push(`${where}: ${file} does not exist`);
      else if (!defines(readFileSync(path, 'utf8'), name)) stale.push(`${where}: ${file} defines no \`${name}\``);
    }
  }
  assert.deepEqual(stale, []);
  assert.ok(checked > 0, 'no page names a function as `file.ts` → `name`');
});

test('docs: a name a page gives as `file.ts` → `name` must be a definition of the file, not a mention', () => {
  const source = 'export class Invoker {\n  async enqueue(command) {\n    return this.#write(command);\n  }\n  async #write(data) {}\n}\n\nfunction helper() {}\n';
  assert.ok(defines(source, 'Invoker'));
  assert.ok(defines(source, 'Invoker.enqueue'));
  assert.ok(defines(source, 'Invoker.#write'));
  assert.ok(defines(source, 'helper'));
  assert.ok(!defines(source, 'command'));
  assert.ok(!defines(source, 'Invoker.helper'));
  assert.ok(!defines(source, 'Invoker.dequeue'));
  assert.deepEqual(namedDefinitions('docs/x.md', 'see [`src/queue.ts`](../src/queue.ts) → `Invoker.enqueue`, then `src/message.ts` → `encodeMessage`'), [
    { file: 'src/queue.ts', name: 'Invoker.enqueue', where: 'docs/x.md:1' },
    { file: 'src/message.ts', name: 'encodeMessage', where: 'docs/x.md:1' },
  ]);
});

test('docs: an output that differs from the page fails, a `...` line stands for any lines', () => {
  assert.ok(matches('a\nb\nc', 'a\n...\nc'));
  assert.ok(matches('a\nc', 'a\n...\nc'));
  assert.ok(!matches('a\nb\nc', 'a\nc'));
  assert.ok(!matches('Counted 100 beans', 'Counted 101 beans'));
  assert.ok(matches('x\ny', 'x', true));
  assert.equal(normalise('2026-01-02T03:04:05.678Z 3bfbb23c-959a-4a6c-9ed8-928a43eb1725 /tmp/a/b', [['/tmp/a', '~/my-app']]), '<time> <uuid> ~/my-app/b');
});
