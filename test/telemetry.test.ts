/**
 * OpenTelemetry: a PRODUCER span at enqueue and a CONSUMER span around the
 * run, in the caller's trace, on async, thread and process workers; with
 * the SDK's in-memory exporter. Without an SDK, nothing is written in the
 * message, and a message without trace context (an old one) still runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import type { MemoryQueue } from 'huey/backends/memory';
import { Invoker, type AsyncData } from 'huey/queue';
import { scratchPackage, type ScratchPackage } from './helpers.js';

const APP = {
  'config.js': `
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { BaseConfiguration } from 'huey/bin/config';
import { Invoker } from 'huey/queue';
export const queue = new MemoryQueue('traced');
export const invoker = new Invoker(queue, { resultStore: new MemoryDataStore('results') });
export class Configuration extends BaseConfiguration {
  static QUEUE = queue;
  static RESULT_STORE = invoker.resultStore;
  static COMMANDS = ['./commands.js'];
}
`,
  'commands.js': `
import { trace } from '@opentelemetry/api';
import { queueCommand } from 'huey/decorators';
import { invoker } from './config.js';
export const add = queueCommand(invoker)(function add(a, b) {
  // a span of the call's own: a child of the CONSUMER span where the call runs in the consumer's event loop
  trace.getTracer('app').startSpan('inside add').end();
  return a + b;
});
`,
};

type Add = (a: number, b: number) => Promise<AsyncData<number>>;
let app: ScratchPackage;
let config: { Configuration: typeof BaseConfiguration; queue: MemoryQueue; invoker: Invoker };
let add: Add;
const exporter = new InMemorySpanExporter();

before(async () => {
  app = await scratchPackage(APP);
  // the scratch app imports @opentelemetry/api from the repository's node_modules, the one this test uses
  const { symlink } = await import('node:fs/promises');
  await symlink(new URL('../../node_modules/@opentelemetry', import.meta.url).pathname, `${app.path}/node_modules/@opentelemetry`, 'dir');
  config = (await import(app.url('config.js'))) as typeof config;
  add = ((await import(app.url('commands.js'))) as { add: Add }).add;
});
after(async () => {
  await app.remove();
});

test('without an SDK, enqueue writes no trace context in the message', async () => {
  const handle = await add(1, 1);
  const [data] = await config.queue.waiting(1);
  assert.equal(JSON.parse(data!).id, handle.taskId);
  assert.equal('traceContext' in JSON.parse(data!), false, data);
  await config.queue.flush();
});

describe('with the SDK and its in-memory exporter', () => {
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });

  for (const type of ['async', 'thread', 'process'] as const) {
    test(`on ${type} workers, a PRODUCER span at enqueue and a CONSUMER span around the run share the caller's trace id, the consumer's a child of the producer's`, async () => {
      exporter.reset();
      const Configuration = class extends config.Configuration {
        static override WORKER_TYPE = type;
        static override THREADS = 1;
      };
      const consumer = new Consumer(new Invoker(config.queue, { resultStore: config.invoker.resultStore! }), Configuration, {
        configModule: { file: `${app.path}/config.js`, attribute: 'Configuration' },
        importRoot: app.path,
        logSink: () => {},
        readTimeoutMs: 50,
      });
      await consumer.start();
      try {
        const caller = trace.getTracer('test');
        const { handle, request } = await caller.startActiveSpan('POST /signup', async (span) => {
          const made = await add(2, 3);
          span.end();
          return { handle: made, request: span.spanContext() };
        });
        const [data] = await config.queue.waiting(1).then((w) => (w.length > 0 ? w : [undefined]));
        if (data !== undefined) assert.match(JSON.parse(data).traceContext.traceparent, new RegExp(`^00-${request.traceId}-[0-9a-f]{16}-01$`));
        assert.equal(await handle.get({ blocking: true, timeout: 20 }), 5);
      } finally {
        await consumer.stop();
      }
      const spans = exporter.getFinishedSpans();
      const producer = spans.find((s) => s.kind === SpanKind.PRODUCER);
      const consumerSpan = spans.find((s) => s.kind === SpanKind.CONSUMER);
      const request = spans.find((s) => s.name === 'POST /signup')!;
      assert.ok(producer && consumerSpan, spans.map((s) => `${s.name} ${s.kind}`).join(', '));
      assert.equal(producer.name, 'send traced');
      assert.equal(consumerSpan.name, 'process traced');
      assert.equal(producer.spanContext().traceId, request.spanContext().traceId);
      assert.equal(consumerSpan.spanContext().traceId, request.spanContext().traceId);
      assert.equal(parentOf(producer), request.spanContext().spanId);
      assert.equal(parentOf(consumerSpan), producer.spanContext().spanId);
      assert.deepEqual(
        { ...consumerSpan.attributes },
        { 'messaging.system': 'huey', 'messaging.destination.name': 'traced', 'messaging.operation.type': 'process', 'messaging.message.id': producer.attributes['messaging.message.id'], 'huey.command': 'commands.add', 'huey.attempt': 1, 'huey.deliveries': 1 },
      );
      if (type === 'async') {
        const inside = spans.find((s) => s.name === 'inside add')!;
        assert.equal(parentOf(inside), consumerSpan.spanContext().spanId, 'a span made in the call is a child of its CONSUMER span');
      }
    });
  }

  test('a message without trace context (an old one) runs, its CONSUMER span starting a trace of its own', async () => {
    exporter.reset();
    const consumer = new Consumer(new Invoker(config.queue, { resultStore: config.invoker.resultStore! }), config.Configuration, { importRoot: app.path, logSink: () => {} });
    const old = '{"v":1,"id":"old-message-1","command":"commands.add","args":[4,5],"eta":null,"retries":0,"retryDelay":0,"enqueuedAt":"2030-01-01T00:00:00.000Z"}';
    await config.queue.write(old);
    assert.equal((await consumer.step()).kind, 'message');
    assert.equal(await config.invoker.resultStore!.get('old-message-1'), '{"v":1,"ok":true,"value":9}');
    const run = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CONSUMER)!;
    assert.equal(parentOf(run), undefined);
  });
});

/** The parent span id of a finished span (the SDK 2 field, or 1's). */
function parentOf(span: ReadableSpan): string | undefined {
  return (span as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId ?? (span as { parentSpanId?: string }).parentSpanId;
}
