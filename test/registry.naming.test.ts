/**
 * Command names: `<module>.<function>`, the module being the defining
 * file's path relative to its package root (or its TypeScript build folder). Most tests build a scratch
 * package on disk whose modules import huey by name, as a user's would.
 */
import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ConfigurationError, periodicCommand, crontab, queueCommand, type CommandRegistry, type QueuedFunction } from 'huey';
import { memoryInvoker, REPO_ROOT, runNode, scratchDir, scratchPackage, type ScratchPackage } from './helpers.js';

/** A module of the scratch package that defines a command on the package's shared registry. */
const taskModule = (sharedPath: string, fn: string, options = '{}'): string => `
import { queueCommand } from 'huey';
import { invoker } from '${sharedPath}';
export const ${fn} = queueCommand(invoker, ${options})(function ${fn}(amount) { return amount; });
`;

const SHARED = `
import { CommandRegistry, Invoker, MemoryQueue } from 'huey';
export const registry = new CommandRegistry();
export const invoker = new Invoker(new MemoryQueue('scratch'), { registry });
`;

const packages: ScratchPackage[] = [];
after(async () => {
  for (const pkg of packages) await pkg.remove();
});

async function billingPackage(extra: Record<string, string> = {}): Promise<ScratchPackage> {
  const pkg = await scratchPackage({
    'shared.js': SHARED,
    'commands.js': taskModule('./shared.js', 'countBeans'),
    'apps/billing/tasks.js': taskModule('../../shared.js', 'charge'),
    ...extra,
  });
  packages.push(pkg);
  return pkg;
}

const load = async <T>(pkg: ScratchPackage, file: string): Promise<T> => (await import(pkg.url(file))) as T;
const registryOf = async (pkg: ScratchPackage): Promise<CommandRegistry> => (await load<{ registry: CommandRegistry }>(pkg, 'shared.js')).registry;

describe('a command is named after its file relative to the package root', () => {
  test('a file at the package root gives `commands.countBeans`', async () => {
    const pkg = await billingPackage();
    const { countBeans } = await load<{ countBeans: QueuedFunction<[number], number> }>(pkg, 'commands.js');
    assert.equal(countBeans.commandName, 'commands.countBeans');
    assert.deepEqual((await registryOf(pkg)).names(), ['commands.countBeans']);
  });

  test('a nested file gives `apps/billing/tasks.charge`, with / between folders and no extension', async () => {
    const pkg = await billingPackage();
    const { charge } = await load<{ charge: QueuedFunction<[number], number> }>(pkg, 'apps/billing/tasks.js');
    assert.equal(charge.commandName, 'apps/billing/tasks.charge');
    assert.equal((await registryOf(pkg)).get('apps/billing/tasks.charge')?.fn, charge.fn);
  });

  test('.mjs and .cjs extensions are dropped too', async () => {
    const pkg = await billingPackage({ 'jobs/nightly.mjs': taskModule('../shared.js', 'sweep') });
    const { sweep } = await load<{ sweep: QueuedFunction<[], void> }>(pkg, 'jobs/nightly.mjs');
    assert.equal(sweep.commandName, 'jobs/nightly.sweep');
  });

  test('the nearest package.json is the root: a nested package names its files from its own root', async () => {
    const pkg = await billingPackage({
      'vendor/lib/package.json': JSON.stringify({ name: 'lib', type: 'module' }),
      'vendor/lib/tasks.js': taskModule('../../shared.js', 'vendored'),
    });
    const { vendored } = await load<{ vendored: QueuedFunction<[], void> }>(pkg, 'vendor/lib/tasks.js');
    assert.equal(vendored.commandName, 'tasks.vendored');
  });

  test('a function decorated in this test file is named from this repository root, without its build folder', () => {
    const { invoker } = memoryInvoker();
    const add = queueCommand(invoker)(function add(a: number, b: number) {
      return a + b;
    });
    assert.equal(add.commandName, 'test/registry.naming.test.add');
  });

  test('`name` overrides the derived name', () => {
    const { invoker } = memoryInvoker();
    const add = queueCommand(invoker, { name: 'math.sum' })(function add(a: number, b: number) {
      return a + b;
    });
    assert.equal(add.commandName, 'math.sum');
    assert.equal(invoker.registry.get('math.sum')?.fn, add.fn);
  });

  test('a periodic command is named the same way, and `name` overrides it', () => {
    const { invoker } = memoryInvoker();
    periodicCommand(invoker, crontab())(function report() {});
    periodicCommand(invoker, crontab(), { name: 'reports.hourly' })(function report() {});
    assert.deepEqual(invoker.registry.names(), ['reports.hourly', 'test/registry.naming.test.report']);
  });
});

describe('anonymous functions', () => {
  test('an arrow function without `name` is a ConfigurationError at decoration time', () => {
    const { invoker } = memoryInvoker();
    assert.throws(() => queueCommand(invoker)(() => 1), ConfigurationError);
    assert.throws(() => periodicCommand(invoker, crontab())(() => 1), ConfigurationError);
    assert.deepEqual(invoker.registry.names(), []);
  });

  test('a function made by new Function() (named "anonymous") is a ConfigurationError', () => {
    const { invoker } = memoryInvoker();
    assert.throws(() => queueCommand(invoker)(new Function('return 1') as () => number), /anonymous function.*pass `name`/);
  });

  test('an anonymous function with `name` is registered under that name', () => {
    const { invoker } = memoryInvoker();
    const fn = queueCommand(invoker, { name: 'helpers.wrapped' })(() => 1);
    assert.equal(fn.commandName, 'helpers.wrapped');
  });
});

describe('one name, one function', () => {
  test('two different functions under one name from different files are a ConfigurationError', async () => {
    const pkg = await billingPackage({ 'other/tasks.js': taskModule('../shared.js', 'impostor', "{ name: 'apps/billing/tasks.charge' }") });
    await load(pkg, 'apps/billing/tasks.js');
    await assert.rejects(load(pkg, 'other/tasks.js'), (error: unknown) => {
      assert.ok(error instanceof ConfigurationError);
      assert.match(error.message, /"apps\/billing\/tasks\.charge" is already taken/);
      return true;
    });
    const registered = (await registryOf(pkg)).get('apps/billing/tasks.charge');
    assert.match(registered?.moduleUrl ?? '', /apps\/billing\/tasks\.js$/, 'the first stays registered');
  });

  test('two functions of the same name in one file are a ConfigurationError', () => {
    const { invoker } = memoryInvoker();
    queueCommand(invoker)(function twin() {});
    assert.throws(() => queueCommand(invoker)(function twin() {}), ConfigurationError);
  });

  test('decorating the same function twice is not an error', () => {
    const { invoker } = memoryInvoker();
    const once = function once(): void {};
    const a = queueCommand(invoker)(once);
    const b = queueCommand(invoker)(once);
    assert.equal(a.commandName, b.commandName);
    assert.equal(invoker.registry.commands().length, 1);
  });

  test('the same module imported again with a query string keeps its names and replaces its commands', async () => {
    const pkg = await billingPackage();
    const first = await load<{ charge: QueuedFunction<[number], number> }>(pkg, 'apps/billing/tasks.js');
    const again = await load<{ charge: QueuedFunction<[number], number> }>(pkg, 'apps/billing/tasks.js?v=2');
    assert.notEqual(again.charge.fn, first.charge.fn, 'the module was evaluated again');
    assert.equal(again.charge.commandName, 'apps/billing/tasks.charge');
    const registry = await registryOf(pkg);
    assert.deepEqual(registry.names(), ['apps/billing/tasks.charge']);
    assert.equal(registry.get('apps/billing/tasks.charge')?.fn, again.charge.fn);
    assert.match(registry.get('apps/billing/tasks.charge')?.moduleUrl ?? '', /tasks\.js\?v=2$/);
    await load(pkg, 'apps/billing/tasks.js?v=3#x');
    assert.deepEqual(registry.names(), ['apps/billing/tasks.charge']);
  });

  test('a registry of its own per invoker: the same name in two registries is no conflict', () => {
    const a = memoryInvoker();
    const b = memoryInvoker();
    queueCommand(a.invoker, { name: 'same.name' })(function one() {});
    queueCommand(b.invoker, { name: 'same.name' })(function two() {});
    assert.equal(a.invoker.registry.get('same.name')?.fn.name, 'one');
    assert.equal(b.invoker.registry.get('same.name')?.fn.name, 'two');
  });
});

describe('a TypeScript app is named without its build folder', () => {
  /** A tsconfig in tsc's own dialect: comments and trailing commas. */
  const TSCONFIG = (outDir: string) => `{
  // the docs' layout
  "compilerOptions": {
    "strict": true,
    /* sources here, compiled there */
    "rootDir": "src",
    "outDir": "${outDir}",
  },
}
`;

  async function tsApp(outDir: string, extra: Record<string, string> = {}): Promise<ScratchPackage> {
    return billingPackage({
      'tsconfig.json': TSCONFIG(outDir),
      [`${outDir}/shared.js`]: SHARED,
      [`${outDir}/commands.js`]: taskModule('./shared.js', 'countBeans'),
      [`${outDir}/apps/billing/tasks.js`]: taskModule('../../shared.js', 'charge'),
      ...extra,
    });
  }

  test('dist/commands.js, compiled from src/commands.ts, gives `commands.countBeans`, as its source would', async () => {
    const pkg = await tsApp('dist');
    const { countBeans } = await load<{ countBeans: QueuedFunction<[number], number> }>(pkg, 'dist/commands.js');
    assert.equal(countBeans.commandName, 'commands.countBeans');
    const { charge } = await load<{ charge: QueuedFunction<[number], number> }>(pkg, 'dist/apps/billing/tasks.js');
    assert.equal(charge.commandName, 'apps/billing/tasks.charge');
  });

  test('renaming outDir changes no name', async () => {
    const pkg = await tsApp('build/js');
    const { countBeans } = await load<{ countBeans: QueuedFunction<[number], number> }>(pkg, 'build/js/commands.js');
    assert.equal(countBeans.commandName, 'commands.countBeans');
  });

  test('a module under rootDir (run from source) is named from rootDir', async () => {
    const pkg = await tsApp('dist', { 'src/shared.js': SHARED, 'src/commands.js': taskModule('./shared.js', 'countBeans') });
    const { countBeans } = await load<{ countBeans: QueuedFunction<[number], number> }>(pkg, 'src/commands.js');
    assert.equal(countBeans.commandName, 'commands.countBeans');
  });

  test('outDir set in a tsconfig it extends counts too, relative to that file', async () => {
    const pkg = await billingPackage({
      'tsconfig.json': '{ "extends": "./config/tsconfig.base.json" }',
      'config/tsconfig.base.json': '{ "compilerOptions": { "outDir": "../out" } }',
      'out/shared.js': SHARED,
      'out/commands.js': taskModule('./shared.js', 'countBeans'),
    });
    const { countBeans } = await load<{ countBeans: QueuedFunction<[number], number> }>(pkg, 'out/commands.js');
    assert.equal(countBeans.commandName, 'commands.countBeans');
  });

  test('without a tsconfig naming the folder, a plain JavaScript app keeps its names: dist/commands.countBeans', async () => {
    const pkg = await billingPackage({ 'dist/shared.js': SHARED, 'dist/commands.js': taskModule('./shared.js', 'countBeans') });
    const { countBeans } = await load<{ countBeans: QueuedFunction<[number], number> }>(pkg, 'dist/commands.js');
    assert.equal(countBeans.commandName, 'dist/commands.countBeans');
  });

  test('the consumer finds `commands.countBeans` in the build folder of its configuration module', async () => {
    const pkg = await tsApp('dist');
    const registry = await load<{ registry: CommandRegistry }>(pkg, 'dist/shared.js').then((m) => m.registry);
    const { moduleRoot } = await import('../src/core/paths.js');
    const root = moduleRoot(join(pkg.path, 'dist', 'shared.js'));
    assert.equal(root, join(pkg.path, 'dist'));
    assert.equal((await registry.load('commands.countBeans', root))?.name, 'commands.countBeans');
  });
});

describe('names do not depend on how the file was reached', () => {
  /** A module that imports huey by absolute URL, so it also loads through a symlink with --preserve-symlinks. */
  const SOLO = `
import { CommandRegistry, Invoker, MemoryQueue, queueCommand } from '${pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'index.js')).href}';
const invoker = new Invoker(new MemoryQueue('solo'), { registry: new CommandRegistry() });
export const charge = queueCommand(invoker)(function charge() {});
`;
  const PRINT = "const m = await import(process.argv[1]); console.log(m.charge.commandName);";

  test('symlinks are resolved: a file reached through a link outside the package keeps its package name', async () => {
    const pkg = await billingPackage({ 'apps/billing/solo.js': SOLO });
    const elsewhere = await scratchDir('huey-link-');
    try {
      const link = join(elsewhere.path, 'alias.js');
      await symlink(join(pkg.path, 'apps/billing/solo.js'), link);
      const run = await runNode(['--preserve-symlinks', '--preserve-symlinks-main', '--input-type=module', '-e', PRINT, pathToFileURL(link).href], { cwd: elsewhere.path });
      assert.equal(run.stderr, '');
      assert.equal(run.stdout.trim(), 'apps/billing/solo.charge');
    } finally {
      await elsewhere.remove();
    }
  });

  test('a producer and a consumer started from different working directories agree on the name', async () => {
    const pkg = await billingPackage();
    const target = pkg.url('apps/billing/tasks.js');
    const fromDirs = [pkg.path, join(pkg.path, 'apps', 'billing'), tmpdir()];
    const names = await Promise.all(
      fromDirs.map(async (cwd) => {
        const run = await runNode(['--input-type=module', '-e', PRINT, target], { cwd });
        assert.equal(run.code, 0, run.stderr);
        return run.stdout.trim();
      }),
    );
    assert.deepEqual(names, ['apps/billing/tasks.charge', 'apps/billing/tasks.charge', 'apps/billing/tasks.charge']);
  });

  test('a CommonJS module that requires huey is named the same way, even in a folder with # in its name', async () => {
    const cjs = "const { CommandRegistry, Invoker, MemoryQueue, queueCommand } = require('huey');\n" +
      "const invoker = new Invoker(new MemoryQueue('cjs'), { registry: new CommandRegistry() });\n" +
      'console.log(queueCommand(invoker)(function charge() {}).commandName);\n';
    const pkg = await billingPackage({ 'apps/c#/tasks.cjs': cjs });
    const run = await runNode(['apps/c#/tasks.cjs'], { cwd: pkg.path });
    assert.equal(run.stdout.trim(), 'apps/c#/tasks.charge', run.stderr);
  });

  test('a module run as the entry point is named like an imported one', async () => {
    const pkg = await billingPackage({ 'apps/billing/main.js': `import { charge } from './tasks.js';\nconsole.log(charge.commandName);\n` });
    const run = await runNode(['main.js'], { cwd: join(pkg.path, 'apps', 'billing') });
    assert.equal(run.stdout.trim(), 'apps/billing/tasks.charge');
  });
});
