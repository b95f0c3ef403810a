/**
 * Where a run keeps its queues: unique queue names and Redis key prefix for
 * this process, and the scratch directory of the file backend.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendName, BackendSpec } from './backends.js';

/** Unique names for this process's queues and keys, and the scratch directory of the file backend. */
export class Names {
  readonly prefix = `hueybench.${process.pid}.`;
  #count = 0;
  #base: string | undefined;

  next(): string {
    return `q${++this.#count}`;
  }

  async spec(backend: BackendName): Promise<BackendSpec> {
    const queue = this.next();
    if (backend === 'file') {
      this.#base ??= await mkdtemp(join(tmpdir(), 'huey-bench-'));
      return { backend, queue, path: join(this.#base, queue) };
    }
    return backend === 'redis' ? { backend, queue, prefix: this.prefix } : { backend, queue };
  }

  async removeDir(spec: BackendSpec): Promise<void> {
    if (spec.path) await rm(spec.path, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    if (this.#base) await rm(this.#base, { recursive: true, force: true });
  }
}

/** Measures with a fresh queue (and directory) each run. */
export async function fresh<T>(names: Names, backend: BackendName, body: (spec: BackendSpec) => Promise<T>): Promise<T> {
  const spec = await names.spec(backend);
  try {
    return await body(spec);
  } finally {
    await names.removeDir(spec);
  }
}
