/**
 * The file backend in one process: the shared contract (watching, polling,
 * and without the pools of made-ahead files), then what only a directory
 * can show — the layout, atomic claims, recovery, permissions, safety of
 * names, corrupt files.
 * Several processes: file.processes.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { EmptyData } from 'huey/backends/base';
import { FileDataStore, FileQueue, type FileQueueOptions } from 'huey/backends/file';
import { MemoryDataStore } from 'huey/backends/memory';
import { ConfigurationError, QueueReadException } from 'huey/exceptions';
import { decodeMessage } from '../../src/core/message.js';
import { eventually, REPO_ROOT, scratchDir, sleep } from '../helpers.js';
import { backendContract } from './contract.js';

/** The files of a `tmp/` directory but the empty blanks a writer makes ahead: partial writes, or files made for nothing. */
const partials = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((name) => !name.endsWith('.blank'));

// the pools of made-ahead files are a speed trick: the contract holds with them (the default) and without
for (const { watch, pools } of [{ watch: true, pools: true }, { watch: false, pools: true }, { watch: true, pools: false }]) {
  backendContract({
    name: `file (${watch ? 'watching' : 'polling'}${pools ? '' : ', pools: false'})`,
    async open() {
      const dir = await scratchDir('huey-file-contract-');
      return {
        // a new object each time, as another process would open it
        queue: (name) => new FileQueue(name, { path: dir.path, watch, pools }),
        store: (name) => new FileDataStore(name, { path: dir.path, watch, pools }),
        cleanup: dir.remove,
      };
    },
  });
}

describe('file backend', () => {
  let root: string;
  let remove: () => Promise<void>;
  const open: (FileQueue | FileDataStore)[] = [];
  let counter = 0;
  const queue = (options: Partial<FileQueueOptions> = {}, name = `q${++counter}`): FileQueue => {
    const q = new FileQueue(name, { path: root, ...options });
    open.push(q);
    return q;
  };
  const store = (name = `s${++counter}`, path = root): FileDataStore => {
    const s = new FileDataStore(name, { path });
    open.push(s);
    return s;
  };
  const list = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

  before(async () => {
    ({ path: root, remove } = await scratchDir('huey-file-'));
  });
  after(async () => {
    for (const backend of open) await backend.close();
    await remove();
  });

  test('write() leaves one file a message in ready/, holding the message as written, and nothing in tmp/ but blank files made ahead', async () => {
    const q = queue();
    await q.write('{"id":"a"}');
    await q.write('{"id":"b"}');
    const names = await list(join(q.directory, 'ready'));
    assert.equal(names.length, 2);
    assert.match(names[0]!, /^\d{13}-\d{6}-[0-9a-z]+\.json$/);
    assert.equal(await readFile(join(q.directory, 'ready', names[0]!), 'utf8'), '{"id":"a"}');
    assert.equal(await readFile(join(q.directory, 'ready', names[1]!), 'utf8'), '{"id":"b"}');
    assert.deepEqual(await partials(join(q.directory, 'tmp')), []);
  });

  test('write() fills blank files made ahead (empty, `*.blank` in tmp/), a few for a few writes, and close() deletes those left', async () => {
    const q = queue();
    for (let n = 0; n < 20; n++) await q.write(`{"id":"w${n}"}`);
    const tmp = join(q.directory, 'tmp');
    const blanks = await eventually(async () => (await readdir(tmp)).filter((name) => name.endsWith('.blank')), 'blanks to be made');
    assert.ok(blanks.length <= 64, `${blanks.length} blanks`);
    for (const name of blanks) assert.equal((await stat(join(tmp, name))).size, 0);
    for (let n = 20; n < 40; n++) await q.write(`{"id":"w${n}"}`);
    const ready = await list(join(q.directory, 'ready'));
    assert.deepEqual(await Promise.all(ready.map((name) => readFile(join(q.directory, 'ready', name), 'utf8'))), Array.from({ length: 40 }, (_, n) => `{"id":"w${n}"}`));
    await q.close();
    await eventually(async () => (await readdir(tmp)).length === 0, 'close() to delete the blanks left');
  });

  test('a producer writing thousands of messages without letting the event loop turn holds a few file descriptors, not one a message', { skip: existsSync('/proc/self/fd') ? false : 'needs /proc/self/fd to count open files' }, async () => {
    const q = queue();
    const openFiles = (): number => readdirSync('/proc/self/fd').length;
    const before = openFiles();
    let most = before;
    // each write resolves at once (synchronous file calls): the callbacks of the blanks' creations wait until the loop turns
    for (let n = 0; n < 5000; n++) {
      await q.write(`{"id":"fd${n}"}`);
      if (n % 250 === 0) most = Math.max(most, openFiles());
    }
    assert.ok(most - before <= 100, `${most - before} more files open`);
    assert.equal(await q.length(), 5000);
  });

  test('a blank removed before its use (swept as stale) is skipped: the write creates a file instead and the message arrives whole', async () => {
    const q = queue();
    for (let n = 0; n < 5; n++) await q.write(`{"id":"s${n}"}`);
    const tmp = join(q.directory, 'tmp');
    await eventually(async () => (await readdir(tmp)).some((name) => name.endsWith('.blank')), 'blanks to be made');
    for (const name of await readdir(tmp)) await rm(join(tmp, name), { force: true });
    await q.write('{"id":"after"}');
    const ready = await list(join(q.directory, 'ready'));
    assert.equal(await readFile(join(q.directory, 'ready', ready.at(-1)!), 'utf8'), '{"id":"after"}');
    assert.equal(ready.length, 6);
  });

  test('read() claims a message by rename into claimed/<consumer>/ and ack() deletes it', async () => {
    const q = queue();
    await q.write('{"id":"a"}');
    const data = await q.read(0);
    assert.equal(data, '{"id":"a"}');
    const mine = join(q.directory, 'claimed', q.consumerId);
    assert.equal((await readdir(mine)).length, 1);
    assert.deepEqual(await readdir(join(q.directory, 'ready')), []);
    await q.ack(data!);
    assert.deepEqual(await readdir(mine), []);
  });

  test('read() claims a message by rename so two consumers never get the same one, even racing on one listing', async () => {
    const name = `race${++counter}`;
    const consumers = [queue({}, name), queue({}, name), queue({}, name)];
    const producer = queue({}, name);
    for (let n = 0; n < 300; n++) await producer.write(JSON.stringify({ id: n }));
    const seen: string[] = [];
    await Promise.all(
      consumers.map(async (c) => {
        for (let data = await c.read(0); data !== null; data = await c.read(0)) seen.push(data);
      }),
    );
    assert.equal(seen.length, 300);
    assert.equal(new Set(seen).size, 300);
  });

  test('messages of each producer come out in the order it wrote them, also within one millisecond', async () => {
    const name = `order${++counter}`;
    const [a, b, reader] = [queue({}, name), queue({}, name), queue({}, name)];
    await Promise.all([
      (async () => { for (let n = 0; n < 200; n++) await a.write(`a${n}`); })(),
      (async () => { for (let n = 0; n < 200; n++) await b.write(`b${n}`); })(),
    ]);
    const got: string[] = [];
    for (let data = await reader.read(0); data !== null; data = await reader.read(0)) got.push(data);
    assert.deepEqual(got.filter((d) => d.startsWith('a')), Array.from({ length: 200 }, (_, n) => `a${n}`));
    assert.deepEqual(got.filter((d) => d.startsWith('b')), Array.from({ length: 200 }, (_, n) => `b${n}`));
  });

  test('a reader finds messages written after its listing was taken, without losing its place', async () => {
    const name = `late${++counter}`;
    const [writer, reader] = [queue({}, name), queue({}, name)];
    await writer.write('1');
    await writer.write('2');
    assert.equal(await reader.read(0), '1');
    await writer.write('3');
    assert.equal(await reader.read(0), '2');
    assert.equal(await reader.read(0), '3');
    assert.equal(await reader.read(0), null);
  });

  test('a blocked read() is woken by a write from another object within milliseconds', async () => {
    const name = `wake${++counter}`;
    const [reader, writer] = [queue({}, name), queue({}, name)];
    const reading = reader.read(10_000);
    await sleep(50);
    const started = Date.now();
    await writer.write('{"id":"now"}');
    assert.equal(await reading, '{"id":"now"}');
    assert.ok(Date.now() - started < 2000, `woken after ${Date.now() - started} ms`);
  });

  test('with watch: false a blocked read() polls every pollInterval and still finds the message', async () => {
    const name = `poll${++counter}`;
    const reader = queue({ watch: false, pollInterval: 0.05 }, name);
    const reading = reader.read(5000);
    await sleep(30);
    await queue({}, name).write('{"id":"polled"}');
    assert.equal(await reading, '{"id":"polled"}');
  });

  test('close() wakes a blocked read() with null and puts unacknowledged claims back in ready/', async () => {
    const name = `close${++counter}`;
    const q = queue({}, name);
    await q.write('{"id":"held"}');
    assert.equal(await q.read(0), '{"id":"held"}');
    const blocked = q.read(60_000);
    await sleep(20);
    await q.close();
    assert.equal(await blocked, null);
    assert.deepEqual(await readdir(join(q.directory, 'claimed')), []);
    assert.deepEqual(await readdir(join(q.directory, 'consumers')), []);
    assert.equal(await queue({}, name).read(0), '{"id":"held"}');
  });

  test('fsync: true writes, reads and acknowledges like the default', async () => {
    const q = queue({ fsync: true });
    await q.write('{"id":"durable"}');
    await q.schedule('{"id":"later"}', new Date(Date.now() - 1));
    const data = await q.read(0);
    assert.equal(data, '{"id":"durable"}');
    await q.ack(data!);
    assert.deepEqual(await q.due(new Date(), 5), ['{"id":"later"}']);
  });

  describe('corrupt files', () => {
    test('a truncated message is returned as it is, dead-lettered by the consumer byte for byte, and the next message still runs', async () => {
      const q = queue();
      const ready = join(q.directory, 'ready');
      await q.write('{"v":1,"id":"good"}');
      // dropped by hand, named to sort first; the bytes are not even UTF-8
      const corrupt = Buffer.concat([Buffer.from('{"v":1,"id":"trunc'), Buffer.from([0xff, 0xfe])]);
      await writeFile(join(ready, '0000000000000-000000-hand.json'), corrupt);
      const raw = await q.read(0);
      assert.ok(raw !== null && raw.startsWith('{"v":1,"id":"trunc'));
      assert.throws(() => decodeMessage(raw), QueueReadException);
      await q.deadLetter(raw, 'QueueReadException: Malformed message: not JSON');
      const dead = await list(join(q.directory, 'dead'));
      assert.equal(dead.length, 2);
      assert.match(dead[0]!, /^\d{13}-0000000000000-000000-hand\.json$/);
      assert.deepEqual(await readFile(join(q.directory, 'dead', dead[0]!)), corrupt);
      assert.equal(await readFile(join(q.directory, 'dead', dead[1]!), 'utf8'), 'QueueReadException: Malformed message: not JSON');
      assert.equal(await q.read(0), '{"v":1,"id":"good"}');
      assert.equal((await q.deadLetters())[0]!.reason, 'QueueReadException: Malformed message: not JSON');
    });

    test('an empty message file is read as the empty string, not taken for an empty queue', async () => {
      const q = queue();
      await q.length(); // the directories are made on first use
      await writeFile(join(q.directory, 'ready', '0000000000000-000000-empty.json'), '');
      assert.equal(await q.read(0), '');
      await q.deadLetter('', 'QueueReadException: Malformed message: not JSON');
      assert.equal((await q.deadLetters()).length, 1);
    });

    test('a directory named like a message in ready/ is skipped by read() and length(), and left where it is', async () => {
      const q = queue();
      await q.length();
      await mkdir(join(q.directory, 'ready', '0000000000000-000000-dir.json'));
      await q.write('{"id":"after"}');
      assert.equal(await q.length(), 1);
      assert.equal(await q.read(0), '{"id":"after"}');
      assert.equal(await q.read(0), null);
      assert.deepEqual(await list(join(q.directory, 'ready')), ['0000000000000-000000-dir.json']);
    });

    test('files that are not messages (no .json, dot files) in ready/ are left alone', async () => {
      const q = queue();
      await q.length();
      await writeFile(join(q.directory, 'ready', 'notes.txt'), 'hello');
      await writeFile(join(q.directory, 'ready', '.0000000000000-x.json'), 'hidden');
      assert.equal(await q.read(0), null);
      assert.equal(await q.length(), 0);
      assert.deepEqual(await list(join(q.directory, 'ready')), ['.0000000000000-x.json', 'notes.txt']);
    });
  });

  describe('readMany() and finish()', () => {
    test('readMany() claims up to count messages, oldest first, each by a rename into claimed/<consumer>/', async () => {
      const name = `many${++counter}`;
      const [writer, reader] = [queue({}, name), queue({}, name)];
      for (let n = 0; n < 5; n++) await writer.write(`{"id":"${n}"}`);
      assert.deepEqual(await reader.readMany(3), ['{"id":"0"}', '{"id":"1"}', '{"id":"2"}']);
      assert.equal((await readdir(join(reader.directory, 'claimed', reader.consumerId))).length, 3);
      assert.deepEqual(await reader.readMany(10), ['{"id":"3"}', '{"id":"4"}']);
      assert.deepEqual(await reader.readMany(10), []);
      assert.equal((await readdir(join(reader.directory, 'claimed', reader.consumerId))).length, 5);
    });

    test('readMany() takes from the listing it holds and lists ready/ again only once that listing is used up', async () => {
      const name = `listing${++counter}`;
      const [writer, reader] = [queue({}, name), queue({}, name)];
      await writer.write('{"id":"a"}');
      await writer.write('{"id":"b"}');
      assert.deepEqual(await reader.readMany(1), ['{"id":"a"}']);
      await writer.write('{"id":"c"}');
      assert.deepEqual(await reader.readMany(5), ['{"id":"b"}'], 'the rest of the listing, without a scan');
      assert.deepEqual(await reader.readMany(5), ['{"id":"c"}']);
    });

    test('readMany() returns the messages it claimed before a claim failed, and the next call reports the failure', async () => {
      const name = `manyfail${++counter}`;
      const [writer, reader] = [queue({}, name), queue({}, name)];
      await writer.write('{"id":"0"}');
      assert.deepEqual(await reader.readMany(1), ['{"id":"0"}']);
      await writer.write('{"id":"1"}');
      await writer.write('{"id":"2"}');
      const [, second] = await list(join(reader.directory, 'ready'));
      // a directory where the second message's claim would go: that rename fails with EISDIR
      const blocker = join(reader.directory, 'claimed', reader.consumerId, second!);
      await mkdir(blocker);
      assert.deepEqual(await reader.readMany(5), ['{"id":"1"}']);
      await assert.rejects(reader.readMany(5), QueueReadException);
      await rm(blocker, { recursive: true });
      assert.deepEqual(await reader.readMany(5), ['{"id":"2"}']);
    });

    test('a blocked readMany() is woken by a write and returns what it can take then', async () => {
      const name = `manywake${++counter}`;
      const [reader, writer] = [queue({}, name), queue({}, name)];
      const reading = reader.readMany(10, 10_000);
      await sleep(30);
      await writer.write('{"id":"now"}');
      assert.deepEqual(await reading, ['{"id":"now"}']);
    });

    test('readMany() with a count that is not a positive integer is a ConfigurationError', async () => {
      const q = queue();
      for (const count of [0, -1, 1.5, Number.NaN, '3' as unknown as number]) await assert.rejects(q.readMany(count), ConfigurationError);
    });

    test('finish() stores the result and acknowledges the message in one step: another FileDataStore gets it, nothing is left in claimed/', async () => {
      const name = `finish${++counter}`;
      const q = queue({}, name);
      await q.write('{"id":"t1"}');
      const [data] = await q.readMany(1);
      assert.equal(await q.finish(data!, store(name), 't1', '{"ok":true,"value":42}'), true);
      assert.deepEqual(await readdir(join(q.directory, 'claimed', q.consumerId)), []);
      assert.deepEqual(await partials(join(q.directory, 'tmp')), [], 'no file was made for the result');
      const other = store(name);
      assert.equal(await readFile(join(other.directory, 'values', 't1'), 'utf8'), '{"id":"t1"}\n{"ok":true,"value":42}', 'the message, then the value');
      assert.equal(await other.get('t1'), '{"ok":true,"value":42}');
      await q.ack(data!); // already acknowledged: harmless
      assert.equal(await q.recover(), 0);
      assert.equal(await q.read(0), null);
    });

    test('a result written by finish() and one written by put() read the same with peek() and get()', async () => {
      const name = `same${++counter}`;
      const [q, s] = [queue({}, name), store(name)];
      await q.write('{"id":"f"}');
      const value = '{"ok":true,"value":"naïve ☃ \\n line"}';
      assert.equal(await q.finish((await q.read(0))!, s, 'by-finish', value), true);
      await s.put('by-put', value);
      assert.equal(await s.peek('by-finish'), await s.peek('by-put'));
      assert.equal(await s.get('by-finish'), value);
      assert.equal(await s.get('by-put'), value);
    });

    test('finish() of a message taken by due() stores its result and releases the claim', async () => {
      const name = `finishdue${++counter}`;
      const [q, s] = [queue({}, name), store(name)];
      await q.schedule('{"id":"d"}', new Date(Date.now() - 1));
      const [data] = await q.due(new Date(), 1);
      assert.equal(await q.finish(data!, s, 'd', '"done"'), true);
      assert.deepEqual(await readdir(join(q.directory, 'claimed', q.consumerId)), []);
      assert.equal(await s.get('d'), '"done"');
    });

    test('finish() with fsync: true stores and acknowledges like the default', async () => {
      const name = `finishsync${++counter}`;
      const q = queue({ fsync: true }, name);
      const s = new FileDataStore(name, { path: root, fsync: true });
      open.push(s);
      await q.write('{"id":"s"}');
      assert.equal(await q.finish((await q.read(0))!, s, 's', '"kept"'), true);
      assert.equal(await s.get('s'), '"kept"');
      assert.deepEqual(await readdir(join(q.directory, 'claimed', q.consumerId)), []);
    });

    test('finish() returns false and does nothing for a MemoryDataStore: put() and ack() then do the work', async () => {
      const q = queue();
      await q.write('{"id":"m"}');
      const data = (await q.read(0))!;
      const memory = new MemoryDataStore('results');
      assert.equal(await q.finish(data, memory, 'm', '"v"'), false);
      const mine = join(q.directory, 'claimed', q.consumerId);
      const [file] = await readdir(mine);
      assert.equal(await readFile(join(mine, file!), 'utf8'), '{"id":"m"}', 'the claimed file as it was');
      await memory.put('m', '"v"');
      await q.ack(data);
      assert.deepEqual(await readdir(mine), []);
    });

    test('finish() returns false for a message this object does not hold, and for one recovered meanwhile, creating no file', async () => {
      const name = `notheld${++counter}`;
      const [q, s] = [queue({}, name), store(name)];
      assert.equal(await q.finish('{"id":"never-read"}', s, 'x', '"v"'), false);
      await q.write('{"id":"moved"}');
      const data = (await q.read(0))!;
      // as a recoverer does when it takes this consumer for dead: the file goes back to ready/
      const mine = join(q.directory, 'claimed', q.consumerId);
      const [file] = await readdir(mine);
      await rename(join(mine, file!), join(q.directory, 'ready', file!));
      assert.equal(await q.finish(data, s, 'moved', '"v"'), false);
      assert.deepEqual(await readdir(mine), [], 'no file made in its place');
      assert.equal(await s.count(), 0);
      assert.equal(await readFile(join(q.directory, 'ready', file!), 'utf8'), '{"id":"moved"}');
    });

    test('finish() returns false, leaving the message claimed as it was, for a store on another file system', async (t) => {
      if (!existsSync('/dev/shm')) return t.skip('no /dev/shm (tmpfs) on this machine to put a store on another file system');
      const shm = await mkdtemp('/dev/shm/huey-finish-');
      try {
        if (statSync(shm).dev === statSync(root).dev) return t.skip('/dev/shm is on the same file system as the scratch directory');
        const q = queue();
        const elsewhere = store('elsewhere', shm);
        await q.write('{"id":"x"}');
        const data = (await q.read(0))!;
        assert.equal(await q.finish(data, elsewhere, 'x', '"v"'), false);
        const mine = join(q.directory, 'claimed', q.consumerId);
        const [file] = await readdir(mine);
        assert.equal(await readFile(join(mine, file!), 'utf8'), '{"id":"x"}', 'the value appended was cut off again');
        assert.equal(await elsewhere.count(), 0);
        await elsewhere.put('x', '"v"');
        await q.ack(data);
        assert.deepEqual(await readdir(mine), []);
        assert.equal(await elsewhere.get('x'), '"v"');
      } finally {
        await rm(shm, { recursive: true, force: true });
      }
    });

    test('a message whose file got a result appended before a crash is read as its first line, and finish() then falls back to put() and ack()', async () => {
      const name = `crashed${++counter}`;
      const [q, s] = [queue({}, name), store(name)];
      await q.length();
      // as a consumer killed between the append and the rename leaves it, once recovered
      await writeFile(join(q.directory, 'ready', '0000000000001-000001-crash.json'), '{"id":"c"}\n{"ok":true,"val');
      const data = (await q.read(0))!;
      assert.equal(data, '{"id":"c"}');
      assert.deepEqual((await q.claims()).map((c) => c.data), ['{"id":"c"}']);
      assert.equal(await q.finish(data, s, 'c', '"again"'), false);
      await s.put('c', '"again"');
      await q.ack(data);
      assert.equal(await s.get('c'), '"again"');
      assert.deepEqual(await readdir(join(q.directory, 'claimed', q.consumerId)), []);
    });

    test('finish() with a key that is not one file name is a ConfigurationError, and the message stays claimed', async () => {
      const q = queue();
      await q.write('{"id":"k"}');
      const data = (await q.read(0))!;
      await assert.rejects(q.finish(data, store(), '../escape', '"v"'), ConfigurationError);
      await q.ack(data);
      assert.deepEqual(await readdir(join(q.directory, 'claimed', q.consumerId)), []);
    });

    test('write() and schedule() refuse a message with a raw newline (ConfigurationError) and queue nothing', async () => {
      const q = queue();
      await assert.rejects(q.write('{"id":\n"x"}'), { name: 'ConfigurationError', message: /Expected `data` to be one line/ });
      await assert.rejects(q.schedule('a\nb', new Date()), ConfigurationError);
      await q.write(JSON.stringify({ id: 'escaped', text: 'a\nb' }));
      assert.equal(await q.length(), 1);
      assert.equal(await q.nextEta(), null);
    });
  });

  describe('spare files', () => {
    const inode = async (file: string): Promise<number> => (await stat(file)).ino;
    const onlyFile = async (dir: string): Promise<string> => {
      const names = await readdir(dir);
      assert.equal(names.length, 1, `${dir}: ${names.join(', ')}`);
      return join(dir, names[0]!);
    };

    test('get() keeps the value file in spare/, and a later write() fills that file instead of creating one', async () => {
      const { path, remove: done } = await scratchDir('huey-spare-');
      try {
        const s = new FileDataStore('results', { path });
        const q = new FileQueue('q', { path });
        await s.put('k', '"a value longer than the message that will reuse its file"');
        const was = await inode(join(s.directory, 'values', 'k'));
        assert.equal(await s.get('k'), '"a value longer than the message that will reuse its file"');
        assert.equal(await inode(await onlyFile(join(path, 'spare'))), was);
        await q.write('{"id":"m"}');
        const message = await onlyFile(join(q.directory, 'ready'));
        assert.equal(await inode(message), was, 'the same inode');
        assert.equal(await readFile(message, 'utf8'), '{"id":"m"}', 'holding only the new bytes');
        assert.deepEqual(await readdir(join(path, 'spare')), []);
        assert.deepEqual(await readdir(join(q.directory, 'tmp')), []);
        await q.close();
        await s.close();
      } finally {
        await done();
      }
    });

    test('ack() keeps the claimed file as a spare, and put() reuses it with the store\'s fileMode', async () => {
      const { path, remove: done } = await scratchDir('huey-spare-');
      try {
        const q = new FileQueue('q', { path, fileMode: 0o600 });
        const s = new FileDataStore('results', { path, fileMode: 0o640 });
        await q.write('{"id":"acked"}');
        const was = await inode(await onlyFile(join(q.directory, 'ready')));
        await q.ack((await q.read(0))!);
        await s.put('k', 'v');
        const value = join(s.directory, 'values', 'k');
        assert.equal(await inode(value), was);
        assert.equal((await stat(value)).mode & 0o777, 0o640);
        assert.equal(await s.get('k'), 'v');
        await q.close();
        await s.close();
      } finally {
        await done();
      }
    });

    test('spare/ holds at most 128 files, and nothing there but slot-numbered files is ever taken', async () => {
      const { path, remove: done } = await scratchDir('huey-spare-');
      try {
        const s = new FileDataStore('results', { path });
        for (let n = 0; n < 140; n++) await s.put(`k${n}`, 'v');
        for (let n = 0; n < 140; n++) await s.get(`k${n}`);
        const spare = join(path, 'spare');
        assert.equal((await readdir(spare)).length, 128);
        for (const name of await readdir(spare)) await rm(join(spare, name));
        await writeFile(join(spare, 'notes.txt'), 'mine');
        await mkdir(join(spare, '7'));
        const q = new FileQueue('q', { path });
        await q.write('{"id":"x"}');
        assert.deepEqual(await list(spare), ['7', 'notes.txt']);
        assert.equal(await q.read(0), '{"id":"x"}');
        await q.close();
        await s.close();
      } finally {
        await done();
      }
    });

    test('a spare file the writer may not open is removed and a file created instead', async () => {
      const { path, remove: done } = await scratchDir('huey-spare-');
      try {
        const writer = join(path, 'writer');
        await mkdir(join(writer, 'spare'), { recursive: true });
        await writeFile(join(writer, 'spare', '3'), 'stale', { mode: 0o400 });
        const writeWith = (module: string): string => `import { FileQueue } from '${module}';\nawait new FileQueue('q', { path: ${JSON.stringify(writer)}, dirMode: 0o777 }).write('{"id":"w"}');`;
        const write = writeWith('huey/backends/file');
        if (process.getuid?.() === 0) {
          // root opens any file: the writer runs as nobody, the spare stays root's. Nobody may
          // not enter the checkout (a clone in root's home), so it runs a copy of the built code.
          for (const dir of [path, writer, join(writer, 'spare')]) await chmod(dir, 0o777);
          const copy = join(path, 'huey');
          await cp(join(REPO_ROOT, 'dist', 'src'), join(copy, 'src'), { recursive: true });
          await writeFile(join(copy, 'package.json'), '{ "type": "module" }');
          const module = pathToFileURL(join(copy, 'src', 'backends', 'file.js')).href;
          const run = spawnSync(process.execPath, ['--input-type=module', '-e', writeWith(module)], { uid: 65534, gid: 65534, cwd: path, encoding: 'utf8' });
          assert.equal(run.status, 0, run.stderr);
        } else {
          const run = spawnSync(process.execPath, ['--input-type=module', '-e', write], { cwd: REPO_ROOT, encoding: 'utf8' });
          assert.equal(run.status, 0, run.stderr);
        }
        const q = new FileQueue('q', { path: writer });
        assert.equal(await q.read(0), '{"id":"w"}');
        assert.deepEqual(await readdir(join(writer, 'spare')), []);
        assert.deepEqual(await partials(join(q.directory, 'tmp')), []);
        await q.close();
      } finally {
        await done();
      }
    });

    test('recover() keeps a temp file named a moment ago whatever its mtime (a spare just taken), and removes one named long ago', async () => {
      const q = queue();
      await q.length();
      const tmp = join(q.directory, 'tmp');
      const old = new Date(Date.now() - 3600_000);
      const fresh = join(tmp, `${Date.now()}-000001-taken.tmp`);
      await writeFile(fresh, 'stale bytes');
      await utimes(fresh, old, old);
      await writeFile(join(tmp, `${old.getTime()}-000001-dead.tmp`), 'half');
      await q.recover();
      assert.deepEqual((await readdir(tmp)).map((n) => n.slice(14)), ['000001-taken.tmp']);
    });
  });

  describe('pools: false', () => {
    test('a write creates its file, ack() and get() delete theirs, and nothing is made ahead: no spare/, no blanks', async () => {
      const { path, remove: done } = await scratchDir('huey-nopools-');
      try {
        const q = new FileQueue('q', { path, pools: false });
        const s = new FileDataStore('results', { path, pools: false });
        for (let n = 0; n < 20; n++) await q.write(`{"id":"p${n}"}`);
        await s.put('k', 'v');
        await q.ack((await q.read(0))!);
        assert.equal(await s.get('k'), 'v');
        const next = (await q.read(0))!;
        assert.ok(await q.finish(next, s, 'done', '"result"'));
        assert.equal(await s.get('done'), '"result"');
        // the blanks are made through libuv's threads: give them the time they would take
        await sleep(50);
        assert.deepEqual(await readdir(join(q.directory, 'tmp')), []);
        assert.deepEqual(await readdir(join(s.directory, 'tmp')), []);
        assert.deepEqual((await readdir(path)).sort(), ['queues', 'stores']);
        assert.equal(await q.length(), 18);
        await q.close();
        await s.close();
      } finally {
        await done();
      }
    });

    test('a queue without pools leaves the spare files of one with them alone, and reads what it wrote', async () => {
      const { path, remove: done } = await scratchDir('huey-nopools-');
      try {
        const pooled = new FileQueue('q', { path });
        await pooled.write('{"id":"a"}');
        await pooled.ack((await pooled.read(0))!);
        const spares = await readdir(join(path, 'spare'));
        assert.equal(spares.length, 1);
        const plain = new FileQueue('q', { path, pools: false });
        await plain.write('{"id":"b"}');
        assert.deepEqual(await readdir(join(path, 'spare')), spares);
        assert.equal(await pooled.read(0), '{"id":"b"}');
        await plain.close();
        await pooled.close();
      } finally {
        await done();
      }
    });
  });

  describe('recovery of dead consumers', () => {
    const fakeConsumer = async (q: FileQueue, id: string, owner: object, ageSeconds: number, message: string): Promise<void> => {
      await q.length();
      const beat = join(q.directory, 'consumers', `${id}.json`);
      await writeFile(beat, JSON.stringify(owner));
      const then = new Date(Date.now() - ageSeconds * 1000);
      await utimes(beat, then, then);
      await mkdir(join(q.directory, 'claimed', id));
      await writeFile(join(q.directory, 'claimed', id, '0000000000001-000001-dead.json'), message);
    };

    test('recover() returns the claims of a consumer on another host whose heartbeat is older than heartbeatTimeout', async () => {
      const q = queue({ heartbeatTimeout: 30 });
      await fakeConsumer(q, 'far-away', { host: 'another-host', pid: 1 }, 31, '{"id":"stale"}');
      assert.equal(await q.recover(), 1);
      assert.equal(await q.read(0), '{"id":"stale"}');
      assert.deepEqual(await readdir(join(q.directory, 'consumers')), [`${q.consumerId}.json`]);
    });

    test('recover() leaves the claims of a consumer whose heartbeat is fresh', async () => {
      const q = queue({ heartbeatTimeout: 30 });
      await fakeConsumer(q, 'alive', { host: 'another-host', pid: 1 }, 5, '{"id":"busy"}');
      assert.equal(await q.recover(), 0);
      assert.equal(await q.read(0), null);
    });

    test('recover() returns at once the claims of a consumer on this host whose process is gone', async () => {
      const q = queue({ heartbeatTimeout: 30 });
      const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
      await fakeConsumer(q, 'exited', { host: hostname(), pid: gone }, 0, '{"id":"orphan"}');
      assert.equal(await q.recover(), 1);
      assert.equal(await q.read(0), '{"id":"orphan"}');
    });

    test('recover() takes a claims directory without a heartbeat file for a dead consumer', async () => {
      const q = queue();
      await q.length();
      await mkdir(join(q.directory, 'claimed', 'nobody'));
      await writeFile(join(q.directory, 'claimed', 'nobody', '0000000000001-000001-x.json'), '{"id":"x"}');
      assert.equal(await q.recover(), 1);
      assert.deepEqual(await readdir(join(q.directory, 'claimed')), []);
    });

    test('recover() never takes the claims of its own object or of a live one in this process', async () => {
      const name = `own${++counter}`;
      const [a, b] = [queue({}, name), queue({}, name)];
      await a.write('{"id":"1"}');
      await a.write('{"id":"2"}');
      await a.read(0);
      await b.read(0);
      assert.equal(await a.recover(), 0);
      assert.equal(await b.recover(), 0);
    });

    test('the heartbeat file is touched by a timer while the queue is open, and removed by close()', async () => {
      const q = new FileQueue(`beat${++counter}`, { path: root, heartbeatTimeout: 1 });
      await q.write('{"id":"1"}');
      await q.read(0);
      const beat = join(q.directory, 'consumers', `${q.consumerId}.json`);
      const first = (await stat(beat)).mtimeMs;
      await eventually(async () => (await stat(beat)).mtimeMs > first, 'a heartbeat', 2000);
      assert.deepEqual(JSON.parse(await readFile(beat, 'utf8')).pid, process.pid);
      const observer = queue({ heartbeatTimeout: 1 }, q.name);
      await sleep(1500);
      assert.equal(await observer.recover(), 0, 'a beating consumer is not dead');
      await q.close();
      await assert.rejects(stat(beat), { code: 'ENOENT' });
    });

    test('ack() of a message recovered meanwhile by another consumer is harmless', async () => {
      const name = `slow${++counter}`;
      const slow = queue({ heartbeatTimeout: 30 }, name);
      await slow.write('{"id":"slow"}');
      const data = await slow.read(0);
      // as a recoverer does when it takes this consumer for dead
      await writeFile(join(slow.directory, 'consumers', `${slow.consumerId}.json`), JSON.stringify({ host: 'x', pid: 1 }));
      const old = new Date(Date.now() - 60_000);
      await utimes(join(slow.directory, 'consumers', `${slow.consumerId}.json`), old, old);
      const other = queue({ heartbeatTimeout: 30 }, name);
      assert.equal(await other.recover(), 1);
      await slow.ack(data!);
      assert.equal(await other.read(0), '{"id":"slow"}');
      // the stalled consumer claims again, in a claims directory of its own
      await other.write('{"id":"next"}');
      assert.equal(await slow.read(0), '{"id":"next"}');
    });
  });

  describe('schedule', () => {
    test('schedule() names files by eta so a listing sorts them, and nextEta() reads them from a new object', async () => {
      const name = `sched${++counter}`;
      const q = queue({}, name);
      const now = Date.now();
      await q.schedule('{"id":"b"}', new Date(now + 20_000));
      await q.schedule('{"id":"a"}', new Date(now + 10_000));
      const names = await list(join(q.directory, 'schedule'));
      assert.deepEqual(names.map((n) => Number(n.slice(0, 13))), [now + 10_000, now + 20_000]);
      assert.equal((await queue({}, name).nextEta())?.getTime(), now + 10_000);
    });

    test('a message taken by due() is claimed until it is written back or acknowledged', async () => {
      const name = `due${++counter}`;
      const q = queue({}, name);
      await q.schedule('{"id":"w"}', new Date(Date.now() - 10));
      await q.schedule('{"id":"r"}', new Date(Date.now() - 5));
      const [w, r] = await q.due(new Date(), 10);
      const mine = join(q.directory, 'claimed', q.consumerId);
      assert.equal((await readdir(mine)).length, 2);
      await q.write(w!);
      assert.equal((await readdir(mine)).length, 1, 'writing it back releases its claim');
      await q.ack(r!);
      assert.equal((await readdir(mine)).length, 0);
      assert.equal(await q.read(0), '{"id":"w"}');
    });

    test('due() of a consumer that died before running it comes back through recover()', async () => {
      const name = `duedeath${++counter}`;
      const dying = new FileQueue(name, { path: root });
      await dying.schedule('{"id":"x"}', new Date(Date.now() - 10));
      assert.deepEqual(await dying.due(new Date(), 1), ['{"id":"x"}']);
      // as a kill -9 leaves it: the heartbeat stops and the process is gone
      await writeFile(join(dying.directory, 'consumers', `${dying.consumerId}.json`), JSON.stringify({ host: hostname(), pid: spawnSync(process.execPath, ['-e', '0']).pid }));
      const other = queue({}, name);
      assert.equal(await other.recover(), 1);
      assert.equal(await other.read(0), '{"id":"x"}');
      await dying.close();
    });
  });

  describe('dead letters', () => {
    test('deadLetter() moves the claimed file to dead/ with a .reason file beside it, oldest first in deadLetters()', async () => {
      const q = queue();
      await q.write('{"id":"one"}');
      await q.write('{"id":"two"}');
      await q.deadLetter((await q.read(0))!, 'first reason');
      await sleep(2);
      await q.deadLetter((await q.read(0))!, 'second reason');
      await q.deadLetter('never read', 'third reason');
      const files = await list(join(q.directory, 'dead'));
      assert.equal(files.length, 6);
      assert.deepEqual(files.map((f) => f.replace(/^.*\./, '')), ['json', 'reason', 'json', 'reason', 'json', 'reason']);
      const letters = await q.deadLetters();
      assert.deepEqual(letters.map((l) => [l.data, l.reason]), [['{"id":"one"}', 'first reason'], ['{"id":"two"}', 'second reason'], ['never read', 'third reason']]);
      assert.deepEqual(await readdir(join(q.directory, 'claimed', q.consumerId)), []);
    });
  });

  describe('leases', () => {
    test('lease() creates leases/<key>.<generation>.lease holding its time to live, and other keys are independent', async () => {
      const q = queue();
      const before = Date.now();
      assert.equal(await q.lease('periodic:2026-01-01T00:00', 60_000), true);
      assert.equal(await q.lease('periodic:2026-01-01T00:01', 60_000), true);
      assert.equal(await q.lease('periodic:2026-01-01T00:00', 60_000), false);
      const files = await list(join(q.directory, 'leases'));
      assert.deepEqual(files, ['periodic:2026-01-01T00:00.000000000001.lease', 'periodic:2026-01-01T00:01.000000000001.lease']);
      assert.equal(await readFile(join(q.directory, 'leases', files[0]!), 'utf8'), '60000');
      const since = (await stat(join(q.directory, 'leases', files[0]!))).ctimeMs;
      assert.ok(since >= before - 50 && since <= Date.now() + 50, 'the lease runs from when its file appeared');
    });

    test('lease() after expiry takes the next generation, and older generations are pruned', async () => {
      const q = queue();
      for (let n = 0; n < 3; n++) {
        assert.equal(await q.lease('k', 30), true);
        await sleep(40);
      }
      assert.deepEqual(await list(join(q.directory, 'leases')), ['k.000000000002.lease', 'k.000000000003.lease']);
    });
  });

  describe('result store', () => {
    test('put() writes stores/<name>/values/<key>, readable with cat: an empty first line (no message), then the value', async () => {
      const s = store();
      await s.put('task-1', '{"ok":true,"value":42}');
      assert.equal(await readFile(join(s.directory, 'values', 'task-1'), 'utf8'), '\n{"ok":true,"value":42}');
    });

    test('a value file without a newline (made by hand) is all value', async () => {
      const s = store();
      await s.put('made', 'first');
      await writeFile(join(s.directory, 'values', 'by-hand'), '{"ok":true}');
      assert.equal(await s.peek('by-hand'), '{"ok":true}');
      assert.equal(await s.get('by-hand'), '{"ok":true}');
    });

    test('a value may hold newlines: only the first line of its file is not value', async () => {
      const s = store();
      await s.put('lines', 'one\ntwo\n');
      assert.equal(await s.peek('lines'), 'one\ntwo\n');
      assert.equal(await s.get('lines'), 'one\ntwo\n');
    });

    test('files of tmp/ left by a process that died mid-get or mid-put are removed at start-up and by flush(), fresh ones kept', async () => {
      const name = `stale${++counter}`;
      const first = store(name);
      await first.put('k', 'v');
      const tmp = join(first.directory, 'tmp');
      const old = String(Date.now() - 120_000);
      const fresh = String(Date.now());
      // named as get() and put() name them: the time they were made comes first
      await writeFile(join(tmp, `${old}-000001-dead.taken`), '\n"lost"');
      await writeFile(join(tmp, `${old}-000002-dead.tmp`), '\n"half"');
      await writeFile(join(tmp, `${fresh}-000001-live.taken`), '\n"being read"');
      await writeFile(join(tmp, 'notes.txt'), 'not ours');
      const later = store(name);
      assert.equal(await later.peek('k'), 'v');
      assert.deepEqual(await list(tmp), [`${fresh}-000001-live.taken`, 'notes.txt']);
      await writeFile(join(tmp, `${old}-000003-dead.taken`), '\n"lost"');
      await later.flush();
      assert.deepEqual(await list(tmp), [`${fresh}-000001-live.taken`, 'notes.txt']);
    });

    test('get() from many clients at once hands the value to exactly one', async () => {
      const name = `once${++counter}`;
      const clients = Array.from({ length: 5 }, () => store(name));
      await clients[0]!.put('k', 'v');
      const got = await Promise.all(clients.map((c) => c.get('k')));
      assert.equal(got.filter((v) => v === 'v').length, 1);
      assert.equal(got.filter((v) => v === EmptyData).length, 4);
      assert.deepEqual(await readdir(join(clients[0]!.directory, 'tmp')), []);
    });

    test('wait() is woken by a put() from another object within milliseconds', async () => {
      const name = `waitfast${++counter}`;
      const [waiter, writer] = [store(name), store(name)];
      const waiting = waiter.wait('k', 10_000);
      await sleep(30);
      const started = Date.now();
      await writer.put('k', 'v');
      assert.equal(await waiting, true);
      assert.ok(Date.now() - started < 2000, 'woken late');
    });
  });

  describe('permissions', () => {
    test('directories are created 0700 and files 0600 by default', async () => {
      const { path, remove: done } = await scratchDir('huey-perm-');
      try {
        const base = join(path, 'fresh');
        const q = new FileQueue('perm', { path: base });
        const s = new FileDataStore('perm', { path: base });
        await q.write('{"id":"a"}');
        await q.write('{"id":"b"}');
        await q.schedule('{"id":"c"}', new Date(Date.now() + 60_000));
        await q.deadLetter((await q.read(0))!, 'why');
        await q.read(0);
        await q.lease('k', 60_000);
        await s.put('key', 'value');
        const modes = new Map<string, number>();
        const walk = async (dir: string): Promise<void> => {
          for (const entry of await readdir(dir, { withFileTypes: true })) {
            const full = join(dir, entry.name);
            modes.set(full.slice(base.length) + (entry.isDirectory() ? '/' : ''), (await stat(full)).mode & 0o777);
            if (entry.isDirectory()) await walk(full);
          }
        };
        assert.equal((await stat(base)).mode & 0o777, 0o700);
        await walk(base);
        const files = [...modes].filter(([p]) => !p.endsWith('/'));
        const dirs = [...modes].filter(([p]) => p.endsWith('/'));
        assert.ok(files.length >= 7 && dirs.length >= 10, [...modes.keys()].join(' '));
        for (const [p, mode] of files) assert.equal(mode, 0o600, `${p} is ${mode.toString(8)}`);
        for (const [p, mode] of dirs) assert.equal(mode, 0o700, `${p} is ${mode.toString(8)}`);
        await q.close();
        await s.close();
      } finally {
        await done();
      }
    });

    test('dirMode and fileMode change the modes', async () => {
      const q = queue({ dirMode: 0o750, fileMode: 0o640 });
      await q.write('{"id":"a"}');
      assert.equal((await stat(join(q.directory, 'ready'))).mode & 0o777, 0o750);
      const [name] = await readdir(join(q.directory, 'ready'));
      assert.equal((await stat(join(q.directory, 'ready', name!))).mode & 0o777, 0o640);
    });
  });

  describe('safety of names and options', () => {
    const unsafe = ['', '.', '..', '../x', 'a/b', '/abs', 'a\\b', 'nul\0byte', 'x'.repeat(201)];

    for (const name of unsafe) {
      test(`a queue or store named ${JSON.stringify(name.length > 20 ? `${name.slice(0, 5)}…` : name)} is a ConfigurationError`, () => {
        assert.throws(() => new FileQueue(name, { path: root }), ConfigurationError);
        assert.throws(() => new FileDataStore(name, { path: root }), ConfigurationError);
      });
    }

    test('keys that would leave the store are a ConfigurationError in put, get, peek and wait, and lease keys in lease', async () => {
      const s = store();
      const q = queue();
      for (const key of unsafe) {
        await assert.rejects(s.put(key, 'v'), ConfigurationError);
        await assert.rejects(s.get(key), ConfigurationError);
        await assert.rejects(s.peek(key), ConfigurationError);
        await assert.rejects(s.wait(key, 10), ConfigurationError);
        await assert.rejects(q.lease(key, 10), ConfigurationError);
      }
      assert.deepEqual(await readdir(root).then((entries) => entries.sort()), ['queues', 'spare', 'stores']);
    });

    test('the message of an unsafe name says what is wrong and what is expected', () => {
      assert.throws(() => new FileQueue('../etc', { path: root }), {
        message: 'The file backend cannot use "../etc" as a queue name: it holds a path separator, and a queue name must be a single file name inside `path`',
      });
    });

    test('options are validated with the shared message shape', () => {
      assert.throws(() => new FileQueue('q', {} as FileQueueOptions), { message: 'Expected `path` to be a non-empty directory path, got undefined' });
      assert.throws(() => new FileQueue('q', { path: root, fsync: 'yes' as unknown as boolean }), { message: 'Expected `fsync` to be a boolean, got "yes" (string)' });
      assert.throws(() => new FileQueue('q', { path: root, heartbeatTimeout: 0 }), { message: 'Expected `heartbeatTimeout` to be a positive number of seconds, got 0 (number)' });
      assert.throws(() => new FileQueue('q', { path: root, dirMode: 0o1777 }), ConfigurationError);
      assert.throws(() => new FileQueue('q', { path: root, colour: 'blue' } as FileQueueOptions), /Unknown FileQueue option `colour`/);
      assert.throws(() => new FileDataStore('s', { path: root, heartbeatTimeout: 1 } as FileQueueOptions), /Unknown FileDataStore option `heartbeatTimeout`/);
      assert.throws(() => new FileQueue('q', { path: root, pools: 'off' as unknown as boolean }), { message: 'Expected `pools` to be a boolean, got "off" (string)' });
      assert.throws(() => new FileDataStore('s', { path: root, pools: 0 as unknown as boolean }), { message: 'Expected `pools` to be a boolean, got 0 (number)' });
    });
  });

  test('draining costs about the same per message at 1,000 and at 8,000 queued (no directory scan per read)', async () => {
    const perMessage = async (count: number): Promise<number> => {
      const reader = queue();
      await reader.length();
      // filled behind the queue's back, synchronously, to keep the test short: only the drain is measured
      for (let n = 0; n < count; n++) writeFileSync(join(reader.directory, 'ready', `${String(n).padStart(13, '0')}-000001-fill.json`), `{"id":${n}}`);
      // CPU time of this process (its I/O threads included), not wall time: other test files load the machine
      const started = process.cpuUsage();
      let drained = 0;
      for (let data = await reader.read(0); data !== null; data = await reader.read(0), drained++) await reader.ack(data);
      assert.equal(drained, count);
      const used = process.cpuUsage(started);
      return (used.user + used.system) / 1000 / count;
    };
    const small = await perMessage(1000);
    const large = await perMessage(8000);
    // flat cost is a ratio near 1; a scan per read would make it about 8 (eight times as many names a listing)
    assert.ok(large / small < 3, `${large.toFixed(3)} ms a message at 8k vs ${small.toFixed(3)} at 1k`);
  });
});
