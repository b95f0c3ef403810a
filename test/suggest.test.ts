/** "Did you mean": the closest name, a slip away at most. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closest } from '../src/core/suggest.js';

test('closest() answers the name a slip away: a letter missing, added, changed or two swapped, case aside', () => {
  const names = ['Configuration', 'invoker', 'queue'];
  assert.equal(closest('Configuraton', names), 'Configuration');
  assert.equal(closest('configuration', names), 'Configuration');
  assert.equal(closest('Confiugration', names), 'Configuration');
  assert.equal(closest('quuee', names), 'queue');
  assert.equal(closest('mian', ['main', 'config']), 'main');
});

test('closest() answers nothing for a name not close to any, or for the exact name', () => {
  assert.equal(closest('Settings', ['Configuration', 'queue']), undefined);
  assert.equal(closest('abc', ['xyz']), undefined);
  assert.equal(closest('queue', ['queue']), undefined);
});
