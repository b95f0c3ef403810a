/**
 * The file backend in one process: the shared contract (watching and
 * polling), then what only a directory can show — the layout, atomic
 * claims, recovery, permissions, safety of names, corrupt files.
 * Several processes: file.processes.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EmptyData } from 'huey/backends/base';
import { FileDataStore, FileQueue, type FileQueueOptions } from 'huey/backends/file';
import { ConfigurationError, QueueReadException } from 'huey/exceptions';
import { decodeMessage } from '../../src/message.js';
import { eventually, scratchDir, sleep } from '../helpers.js';
import { backendContract } from './contract.js';

for (const watch of [true, false]) {
  backendContract({
    name: watch ? 'file (watching)' : 'file (polling)',
    async open() {
      const dir = await scratchDir('huey-file-contract-');
      return {
        // a new object each time, as another process would open it
        queue: (name) => new FileQueue(name, { path: dir.path, watch }),
        store: (name) => new FileDataStore(name, { path: dir.path, watch }),
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
  const store = (name = `s${++counter}`): FileDataStore => {
    const s = new FileDataStore(name, { path: root });
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

  test('write() leaves one file a message in ready/, holding the message as written, and nothing in tmp/', async () => {
    const q = queue();
    await q.write('{"id":"a"}');
    await q.write('{"id":"b"}');
    const names = await list(join(q.directory, 'ready'));
    assert.equal(names.length, 2);
    assert.match(names[0]!, /^\d{13}-\d{6}-[0-9a-z]+\.json$/);
    assert.equal(await readFile(join(q.directory, 'ready', names[0]!), 'utf8'), '{"id":"a"}');
    assert.equal(await readFile(join(q.directory, 'ready', names[1]!), 'utf8'), '{"id":"b"}');
    assert.deepEqual(await readdir(join(q.directory, 'tmp')), []);
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
    test('put() writes stores/<name>/values/<key>, readable with cat', async () => {
      const s = store();
      await s.put('task-1', '{"ok":true,"value":42}');
      assert.equal(await readFile(join(s.directory, 'values', 'task-1'), 'utf8'), '{"ok":true,"value":42}');
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
      assert.deepEqual(await readdir(root).then((entries) => entries.sort()), ['queues', 'stores']);
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
