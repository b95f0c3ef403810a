/**
 * CommandRegistry: registering, looking up, and `load()`, the consumer's one
 * import of an unknown command's module ("Understanding how commands are
 * imported"), which never reaches outside the package root.
 */
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CommandRegistry, QueueException, registry as sharedRegistry, type CommandDefinition } from 'huey';
import { scratchPackage, type ScratchPackage } from './helpers.js';

const SHARED = `
import { CommandRegistry, Invoker, MemoryQueue } from 'huey';
export const registry = new CommandRegistry();
export const invoker = new Invoker(new MemoryQueue('scratch'), { registry });
export const imports = {};
export const count = (file) => { imports[file] = (imports[file] ?? 0) + 1; };
`;

/** A module that counts its evaluations and defines one command. */
const taskModule = (shared: string, file: string, fn: string): string => `
import { queueCommand } from 'huey';
import { invoker, count } from '${shared}';
count('${file}');
export const ${fn} = queueCommand(invoker)(function ${fn}() { return '${fn}'; });
`;

interface Shared {
  registry: CommandRegistry;
  imports: Record<string, number>;
}

const packages: ScratchPackage[] = [];
after(async () => {
  for (const pkg of packages) await pkg.remove();
});

async function consumerPackage(): Promise<{ pkg: ScratchPackage; shared: Shared }> {
  const pkg = await scratchPackage({
    'shared.js': SHARED,
    'commands.js': taskModule('./shared.js', 'commands', 'countBeans'),
    'apps/billing/tasks.js': taskModule('../../shared.js', 'apps/billing/tasks', 'charge'),
    'apps/helpers.mjs': taskModule('../shared.js', 'apps/helpers', 'assist'),
    'apps/broken.js': "throw new Error('broken at import');\n",
  });
  packages.push(pkg);
  return { pkg, shared: (await import(pkg.url('shared.js'))) as Shared };
}

const definition = (name: string, fn: (...args: never[]) => unknown, moduleUrl?: string): CommandDefinition => ({ name, fn, moduleUrl, retries: 0, retryDelay: 0 });

describe('CommandRegistry', () => {
  test('register() adds, get() finds, names() lists sorted, unregister() removes', () => {
    const registry = new CommandRegistry();
    const b = definition('m.b', () => 'b', 'file:///app/m.js');
    const a = definition('m.a', () => 'a', 'file:///app/m.js');
    assert.equal(registry.register(b), 'added');
    assert.equal(registry.register(a), 'added');
    assert.equal(registry.get('m.a'), a);
    assert.equal(registry.get('m.c'), undefined);
    assert.deepEqual(registry.names(), ['m.a', 'm.b']);
    assert.deepEqual(registry.commandsOf('/app/m.js').map((c) => c.name).sort(), ['m.a', 'm.b']);
    assert.equal(registry.unregister('m.a'), true);
    assert.equal(registry.unregister('m.a'), false);
    assert.deepEqual(registry.names(), ['m.b']);
  });

  test('register() reports a re-registration of the same function as unchanged and a re-import as replaced', () => {
    const registry = new CommandRegistry();
    const fn = (): number => 1;
    registry.register(definition('m.f', fn, 'file:///app/m.js'));
    assert.equal(registry.register(definition('m.f', fn, 'file:///app/m.js')), 'unchanged');
    assert.equal(registry.register(definition('m.f', () => 2, 'file:///app/m.js?v=2')), 'replaced');
  });

  test('the shared registry is a CommandRegistry, and a new one shares nothing with it', () => {
    assert.ok(sharedRegistry instanceof CommandRegistry);
    const own = new CommandRegistry();
    own.register(definition('only.here', () => 0));
    assert.equal(sharedRegistry.get('only.here'), undefined);
  });
});

describe('CommandRegistry.load()', () => {
  test('returns a registered command without importing anything', async () => {
    const registry = new CommandRegistry();
    const known = definition('commands.countBeans', () => 0);
    registry.register(known);
    assert.equal(await registry.load('commands.countBeans', '/nonexistent/root'), known);
  });

  test('imports the module of an unknown name once and finds the command', async () => {
    const { pkg, shared } = await consumerPackage();
    const found = await shared.registry.load('commands.countBeans', pkg.path);
    assert.equal(found?.name, 'commands.countBeans');
    assert.equal(await (found?.fn as () => string)(), 'countBeans');
    assert.deepEqual(shared.imports, { commands: 1 });
  });

  test('resolves a nested module name against the root, trying .js then .mjs', async () => {
    const { pkg, shared } = await consumerPackage();
    assert.equal((await shared.registry.load('apps/billing/tasks.charge', pkg.path))?.name, 'apps/billing/tasks.charge');
    assert.equal((await shared.registry.load('apps/helpers.assist', pkg.path))?.name, 'apps/helpers.assist');
    assert.deepEqual(shared.imports, { 'apps/billing/tasks': 1, 'apps/helpers': 1 });
  });

  test('a name its module does not define stays unknown, and the module is not imported a second time', async () => {
    const { pkg, shared } = await consumerPackage();
    assert.equal(await shared.registry.load('commands.ghost', pkg.path), undefined);
    assert.equal(await shared.registry.load('commands.phantom', pkg.path), undefined);
    assert.equal((await shared.registry.load('commands.countBeans', pkg.path))?.name, 'commands.countBeans');
    assert.deepEqual(shared.imports, { commands: 1 });
  });

  test('a name whose module does not exist, or with no module part, stays unknown', async () => {
    const { pkg, shared } = await consumerPackage();
    for (const name of ['nowhere.fn', 'apps/nowhere.fn', 'countBeans', '.countBeans', '']) {
      assert.equal(await shared.registry.load(name, pkg.path), undefined, name);
    }
    assert.deepEqual(shared.imports, {});
  });

  test('never imports a module under node_modules/, even a real one: refused with QueueException, nothing imported', async () => {
    const { pkg, shared } = await consumerPackage();
    await mkdir(join(pkg.path, 'node_modules', 'evil'), { recursive: true });
    await writeFile(join(pkg.path, 'node_modules', 'evil', 'index.js'), 'globalThis.evilImported = true;\n');
    for (const name of ['node_modules/evil/index.x', 'node_modules/huey/bin/huey.x', 'apps/node_modules/x.y']) {
      await assert.rejects(shared.registry.load(name, pkg.path), (error: unknown) => error instanceof QueueException && /node_modules/.test(error.message), name);
    }
    assert.equal((globalThis as { evilImported?: boolean }).evilImported, undefined);
  });

  test('never follows a symlink out of the root: a link inside the app to a module outside is refused', async () => {
    const { pkg, shared } = await consumerPackage();
    const outside = await scratchPackage({ 'outside.js': 'globalThis.outsideImported = true;\nexport const x = 1;\n' });
    try {
      await symlink(join(outside.path, 'outside.js'), join(pkg.path, 'linked.js'));
      await assert.rejects(shared.registry.load('linked.x', pkg.path), /outside the app's package root/);
      assert.equal((globalThis as { outsideImported?: boolean }).outsideImported, undefined);
    } finally {
      await outside.remove();
    }
  });

  test('a module that throws while importing rejects with its own error, once', async () => {
    const { pkg, shared } = await consumerPackage();
    await assert.rejects(shared.registry.load('apps/broken.fn', pkg.path), /broken at import/);
    assert.equal(await shared.registry.load('apps/broken.fn', pkg.path), undefined);
  });

  test('never imports a module outside the root: ../ paths, absolute paths and NUL bytes are refused with QueueException', async () => {
    const { pkg, shared } = await consumerPackage();
    const root = join(pkg.path, 'apps'); // commands.js sits one level above this root
    const outside = [
      '../commands.countBeans',
      'billing/../../commands.countBeans',
      `${pkg.path}/commands.countBeans`,
      `${pkg.path.slice(1)}/../../../commands.countBeans`,
      'commands\0.countBeans',
      '..\0/commands.countBeans',
    ];
    for (const name of outside) await assert.rejects(shared.registry.load(name, root), QueueException, JSON.stringify(name));
    assert.deepEqual(shared.imports, {}, 'nothing outside the root was imported');
    assert.equal((await shared.registry.load('billing/tasks.charge', root)), undefined, 'inside the root, but named differently from how it registers');
    assert.deepEqual(shared.imports, { 'apps/billing/tasks': 1 });
  });
});
