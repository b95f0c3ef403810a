// demo.js: `npm run demo`. One count of beans through the queue, step by
// step: enqueue it, look at the message on disk, start a consumer, read the
// result back, stop the consumer. Uses the same config.js and commands.js
// as the getting-started guide; a file queue in getting-started/.huey.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { countBeans } from './commands.js';
import { Configuration } from './config.js';

const here = import.meta.dirname;
const say = (text) => console.log(`\n== ${text}`);

say('1. The producer calls countBeans(100): the call goes into the queue, nothing runs yet');
const result = await countBeans(100);
console.log(`task id ${result.taskId}`);

say('2. The message waits on disk, one JSON file a message');
const queue = Configuration.QUEUE;
if (queue.directory !== undefined) {
  // the queue's own message: other files may wait there too
  const ready = join(queue.directory, 'ready');
  for (const name of await readdir(ready)) {
    const file = join(ready, name);
    const text = (await readFile(file, 'utf8')).trim();
    if (!text.includes(result.taskId)) continue;
    console.log(`$ cat ${relative(process.cwd(), file)}`);
    console.log(text);
  }
} else {
  console.log(`(queue "${queue.name}" is not on disk: ${await queue.length()} messages waiting)`);
}

say('3. Start a consumer: node ../bin/huey-consumer.js main.Configuration');
const consumer = spawn(process.execPath, [join(here, '..', 'bin', 'huey-consumer.js'), 'main.Configuration'], {
  cwd: here,
  stdio: ['ignore', 'pipe', 'pipe'],
});
const prefix = (stream) => {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (text) => {
    const lines = (rest + text).split('\n');
    rest = lines.pop();
    for (const line of lines) console.log(`  consumer | ${line}`);
  });
};
prefix(consumer.stdout);
prefix(consumer.stderr);
const exited = new Promise((resolve) => consumer.on('exit', (code, signal) => resolve(code ?? signal)));

say('4. The producer waits for the result');
let value;
try {
  value = await result.get({ blocking: true, timeout: 20 });
} catch (error) {
  consumer.kill('SIGTERM');
  await exited;
  throw error;
}
console.log(`result: ${JSON.stringify(value)}`);
console.log(`messages left in the queue: ${await queue.length()}`);

say('5. Stop the consumer with SIGTERM: it finishes what it runs, then exits');
consumer.kill('SIGTERM');
console.log(`consumer exited with ${await exited}`);
await queue.close?.();
await Configuration.RESULT_STORE.close?.();
