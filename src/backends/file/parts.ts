/**
 * What one `FileQueue` object is made of: its directories, its options and
 * the helpers that keep its state (claims, membership, watch, trace,
 * pools). Made once by the constructor and handed whole to the helper
 * modules, so that `file.ts` reads as the protocol and each helper takes
 * one argument instead of eight.
 *
 * @internal
 * @module
 */
import { join } from 'node:path';
import type { QueueException } from '../../exceptions.js';
import { Claims } from './claims.js';
import { makeDirs, wrapped, type ResolvedOptions } from './common.js';
import { Membership, type ClaimDirs } from './consumers.js';
import { filePools, type FilePools } from './pools.js';
import { PriorityHint } from './priority.js';
import { TraceFile } from './trace.js';
import { DirectoryWaker } from './waker.js';

/** The directories of a queue. */
export interface QueueDirs extends ClaimDirs {
  schedule: string;
  dead: string;
  leases: string;
  revoked: string;
  locks: string;
}

/** One queue object's directories and helpers. */
export class QueueParts {
  /** `<path>/queues/<name>`. */
  readonly directory: string;
  readonly dirs: QueueDirs;
  readonly options: ResolvedOptions;
  readonly membership: Membership;
  readonly hint: PriorityHint;
  readonly claims: Claims;
  readonly waker: DirectoryWaker;
  readonly trace: TraceFile;
  readonly pools: FilePools;
  /** Set by `close`: `consumers` then reports this object as gone. */
  closed = false;
  #made: Promise<void> | undefined;

  /**
   * @param name - The queue's name, already checked to be one file name.
   * @param options - The options, validated.
   */
  constructor(name: string, options: ResolvedOptions) {
    this.options = options;
    this.directory = join(options.path, 'queues', name);
    const dir = (sub: string): string => join(this.directory, sub);
    this.dirs = { ready: dir('ready'), claimed: dir('claimed'), consumers: dir('consumers'), schedule: dir('schedule'), dead: dir('dead'), leases: dir('leases'), revoked: dir('revoked'), locks: dir('locks'), tmp: dir('tmp') };
    this.membership = new Membership(this.dirs, options);
    this.hint = new PriorityHint(dir('priority.hint'));
    this.claims = new Claims(this.dirs, this.membership, this.hint);
    this.waker = new DirectoryWaker(this.dirs.ready, options.watch, options.pollMs);
    this.trace = new TraceFile(dir('trace.log'), options.fileMode);
    this.pools = filePools(options, this.dirs.tmp);
  }

  /**
   * Runs `work` once the directories exist, its failures wrapped in
   * `Wrapper` with `message`. The directories are made at the first use:
   * a constructor cannot wait for them, and a queue only opened writes nothing.
   */
  io<T>(Wrapper: typeof QueueException, message: string, work: () => Promise<T>): Promise<T> {
    return wrapped(Wrapper, message, async () => {
      await this.#ready();
      return work();
    });
  }

  #ready(): Promise<void> {
    const { dirMode, path } = this.options;
    this.#made ??= makeDirs(dirMode, path, ...this.pools.dirs, ...Object.values(this.dirs)).catch((error: unknown) => {
      // made again at the next use: a failure (a full disk, say) is not kept for the object's life
      this.#made = undefined;
      throw error;
    });
    return this.#made;
  }
}
