/**
 * isMain(import.meta): the `if __name__ == '__main__'` of ESM, checked in
 * child processes started the ways people start scripts.
 */
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isMain } from 'huey/utils';
import { runNode, scratchPackage, type ScratchPackage } from './helpers.js';

describe('isMain()', () => {
  let pkg: ScratchPackage;
  before(async () => {
    pkg = await scratchPackage({
      'main.js': "import { isMain } from 'huey/utils';\nimport './lib.js';\nconsole.log(`main ${isMain(import.meta)}`);\n",
      'lib.js': "import { isMain } from 'huey/utils';\nconsole.log(`lib ${isMain(import.meta)}`);\n",
    });
    await symlink(join(pkg.path, 'main.js'), join(pkg.path, 'linked.js'));
    await mkdir(join(pkg.path, 'bin'));
  });
  after(() => pkg.remove());

  const run = async (args: string[], cwd = pkg.path): Promise<string[]> => {
    const result = await runNode(args, { cwd });
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim().split('\n');
  };

  test('is true in the module started with `node main.js` and false in the modules it imports', async () => {
    assert.deepEqual(await run(['main.js']), ['lib false', 'main true']);
  });

  test('is true for `node ./main` (no extension)', async () => {
    assert.deepEqual(await run(['./main']), ['lib false', 'main true']);
  });

  test('is true for an absolute path and for a path from another directory', async () => {
    assert.deepEqual(await run([join(pkg.path, 'main.js')]), ['lib false', 'main true']);
    assert.deepEqual(await run(['../main.js'], join(pkg.path, 'bin')), ['lib false', 'main true']);
  });

  test('is true for a symlink to the module, `node linked.js`', async () => {
    assert.deepEqual(await run(['linked.js']), ['lib false', 'main true']);
  });

  test('is false everywhere when no file was started (`node -e`)', async () => {
    assert.deepEqual(await run(['--input-type=module', '-e', `await import(${JSON.stringify(pkg.url('main.js'))});`]), ['lib false', 'main false']);
  });

  test('is false for a module that is not a file', () => {
    assert.equal(isMain({ url: 'data:text/javascript,1' } as ImportMeta), false);
  });
});
