/**
 * What observing costs a call: enqueue and run on the memory backend,
 * in-process (a consumer stepped by hand, so the figure is the package's
 * own work, not a backend's), with the history and counters off
 * (`HISTORY = 0`), on (the default), and on with an OpenTelemetry SDK
 * registered (a PRODUCER and a CONSUMER span a call, exported to memory).
 * The first row already makes the API's calls: without an SDK they are
 * its no-op spans.
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BaseConfiguration } from 'huey/bin/config';
import { Consumer } from 'huey/bin/consumer';
import { MemoryDataStore, MemoryQueue } from 'huey/backends/memory';
import { queueCommand } from 'huey/decorators';
import { CommandRegistry } from 'huey/registry';
import { Invoker } from 'huey/queue';
import type { Context } from './context.js';
import { measure } from './progress.js';

/** Calls a second of `count` enqueued then run, with `HISTORY = history`. */
async function callsPerSecond(count: number, history: number): Promise<number> {
  const invoker = new Invoker(new MemoryQueue('observe'), { registry: new CommandRegistry(), resultStore: new MemoryDataStore('results') });
  const add = queueCommand(invoker, { name: 'bench.add' })(function add(a: number, b: number) {
    return a + b;
  });
  class Configuration extends BaseConfiguration {
    static override HISTORY = history;
  }
  const consumer = new Consumer(invoker, Configuration, { logSink: () => {} });
  const started = performance.now();
  for (let i = 0; i < count; i++) await add(i, 1);
  for (let i = 0; i < count; i++) await consumer.step();
  await consumer.stop();
  const seconds = (performance.now() - started) / 1000;
  await invoker.close();
  return count / seconds;
}

/** Adds the three rows of `5 observe`. */
export async function runObserve(ctx: Context): Promise<void> {
  const { options, timeline } = ctx;
  const count = Math.min(options.n, 5000);
  const row = async (key: string, subject: string, history: number): Promise<void> => {
    await callsPerSecond(Math.min(count, 500), history); // warm-up
    const figure = await measure(timeline, `memory ${key}`, options.runs, '/s', () => callsPerSecond(count, history));
    ctx.add({ key: `memory.observe.${key}`, scenario: '5 observe', backend: 'memory', subject: `huey: ${count} calls enqueued then run in-process, ${subject}`, figure });
  };
  await row('plain', 'HISTORY 0, no OpenTelemetry SDK (the API makes no-op spans)', 0);
  await row('history', 'HISTORY 1000: history and counters of /metrics, no SDK', 1000);
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ export: (spans, done) => exporter.export(spans, (r) => (exporter.reset(), done(r))), shutdown: () => exporter.shutdown() })] }));
  try {
    await row('traced', 'HISTORY 1000 and an OpenTelemetry SDK: a PRODUCER and a CONSUMER span a call, exported to memory', 1000);
  } finally {
    trace.disable();
  }
}
