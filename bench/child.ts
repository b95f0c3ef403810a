/**
 * Worker processes: the huey consumer (bin/huey-consumer.js) and the peers'
 * workers run in processes of their own, as users run them. Each prints one
 * JSON line on stdout when it has done what it was asked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/bench/ is two levels down). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Time spent waiting for worker processes to exit after their work was done (for the run's summary of where the time went). */
export const stopping = { ms: 0, count: 0 };

/** A running worker process. */
export class Child {
  readonly process: ChildProcess;
  #stderr = '';
  #lines: string[] = [];
  #waiters: ((line: string) => void)[] = [];
  #exited: Promise<number | null>;
  readonly #what: string;

  /**
   * @param what - Names the process in errors.
   * @param args - Node's arguments (script first).
   * @param env - Added to this process's environment.
   */
  constructor(what: string, args: string[], env: Record<string, string> = {}) {
    this.#what = what;
    // HUEY_BENCH_PROFILE=<dir> profiles the worker processes: `node --cpu-prof`
    const profile = process.env.HUEY_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.HUEY_BENCH_PROFILE] : [];
    this.process = spawn(process.execPath, [...profile, ...args], { cwd: ROOT, env: { ...process.env, HUEY_BENCH_PARENT: String(process.pid), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let partial = '';
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        const waiter = this.#waiters.shift();
        if (waiter) waiter(line);
        else this.#lines.push(line);
      }
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    // 'close', not 'exit': a worker may print its report and exit at once, and the report must be read first
    this.#exited = new Promise((resolve) => this.process.on('close', (code) => resolve(code)));
  }

  /** The next line of stdout, parsed as JSON; rejects when the process exits first or `timeoutMs` passes. */
  async report<T>(timeoutMs: number): Promise<T> {
    const line = this.#lines.shift();
    if (line !== undefined) return JSON.parse(line) as T;
    let timer: NodeJS.Timeout | undefined;
    const got = new Promise<string>((resolve) => this.#waiters.push(resolve));
    const failed = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.#what}: no report within ${timeoutMs} ms\n${this.#stderr}`)), timeoutMs);
      void this.#exited.then((code) => reject(new Error(`${this.#what} exited (code ${code}) before reporting\n${this.#stderr}`)));
    });
    try {
      return JSON.parse(await Promise.race([got, failed])) as T;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Tells a worker started with `HUEY_BENCH_GO=1` to go on: it has loaded everything and waits for this line. */
  go(): void {
    this.process.stdin!.write('go\n');
  }

  /** Sends SIGTERM (a clean shutdown) and waits for the exit; kills it after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const started = performance.now();
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    const code = await this.#exited;
    clearTimeout(timer);
    stopping.ms += performance.now() - started;
    stopping.count++;
    if (code !== 0 && code !== null) process.stderr.write(`[bench] ${this.#what} exited with code ${code}\n${this.#stderr}\n`);
  }
}

/**
 * In a worker process: sends this process SIGTERM once the benchmark that
 * started it is gone, so an interrupted run leaves no consumer behind.
 */
export function exitWithParent(): void {
  const parent = Number(process.env.HUEY_BENCH_PARENT);
  if (!Number.isInteger(parent) || parent <= 0) return;
  const timer = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1000);
  timer.unref();
}

/**
 * In a worker process started with `HUEY_BENCH_GO=1`: resolves once the
 * benchmark says go (one line on stdin). Starting the process, loading its
 * modules, happens meanwhile, while the queue is being filled.
 */
export function waitForGo(): Promise<void> {
  if (process.env.HUEY_BENCH_GO !== '1') return Promise.resolve();
  return new Promise((resolve) => {
    process.stdin.setEncoding('utf8');
    const onData = (chunk: string): void => {
      if (!chunk.includes('\n')) return;
      process.stdin.off('data', onData);
      process.stdin.pause();
      process.stdin.unref?.();
      resolve();
    };
    process.stdin.on('data', onData);
  });
}

/** Starts the huey consumer on the benchmark configuration, `threads` at a time. */
export function hueyConsumer(threads: number, env: Record<string, string>): Child {
  return new Child(`huey-consumer -t ${threads}`, [join(ROOT, 'bin', 'huey-consumer.js'), 'dist.bench.config.Configuration', '-t', String(threads)], env);
}
