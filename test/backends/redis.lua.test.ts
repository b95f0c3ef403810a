/**
 * The Redis scripts are `.lua` files that the build copies to `dist/` and
 * one loader reads: every file is used, the copies are current, and the
 * includes are resolved. Needs no Redis; the Redis suites run the scripts.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { WAKE, scripts } from '../../src/backends/redis/lua.js';
import { REPO_ROOT } from '../helpers.js';

const SOURCE = join(REPO_ROOT, 'src/backends/redis/lua');
const BUILT = join(REPO_ROOT, 'dist/src/backends/redis/lua');

/** The `.lua` files under `dir`, as paths relative to it. */
function luaFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.lua'))
    .sort();
}

test('every .lua file of src/backends/redis/lua/ is a script the loader defines, or an include a script names', () => {
  const commands = scripts.map(({ command }) => command);
  assert.equal(new Set(commands).size, commands.length, 'each script is defined once');
  const included = new Set<string>();
  for (const path of luaFiles(SOURCE)) {
    for (const [, name] of readFileSync(join(SOURCE, path), 'utf8').matchAll(/^--- @include "([\w/-]+)"$/gm)) included.add(`${name}.lua`);
  }
  const unused = luaFiles(SOURCE).filter((path) => {
    if (included.has(path)) return false;
    const command = `huey${path.replace(/\.lua$/, '').replace(/(?:^|-)([a-z])/g, (_match, letter: string) => letter.toUpperCase())}`;
    return !commands.includes(command);
  });
  assert.deepEqual(unused, []);
  assert.equal(scripts.length, luaFiles(SOURCE).filter((path) => !path.startsWith('includes')).length);
});

test('the build copies the .lua files next to the compiled loader, as they are in src/', () => {
  assert.deepEqual(luaFiles(BUILT), luaFiles(SOURCE), `${relative(REPO_ROOT, BUILT)} holds the scripts of ${relative(REPO_ROOT, SOURCE)}`);
  for (const path of luaFiles(SOURCE)) assert.equal(readFileSync(join(BUILT, path), 'utf8'), readFileSync(join(SOURCE, path), 'utf8'), `${path} is current in dist/`);
});

test('a script holds its includes once each, in place of the include lines', () => {
  for (const { command, lua } of scripts) assert.doesNotMatch(lua, /@include/, command);
  const finish = scripts.find(({ command }) => command === 'hueyFinish')!.lua;
  // finish.lua includes the claim and the result's store; the claim includes the wake marker
  for (const definition of [`local WAKE = '${WAKE}'`, 'local function claim(', 'local function storeResult(']) {
    assert.equal(finish.split(definition).length - 1, 1, definition);
  }
  assert.ok(finish.indexOf('local WAKE') < finish.indexOf('local function claim('), 'the marker is defined before the claim that uses it');
});
