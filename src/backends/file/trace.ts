/**
 * The trace of a file queue: `trace.log` in the queue's directory, one JSON
 * line an event, rotated to `trace.log.1` past 4 MiB.
 *
 * @internal
 * @module
 */
import { appendFile, readFile, rename, stat } from 'node:fs/promises';
import { mentionsTask } from '../inspection.js';
import { unlessMissing } from './common.js';

/** The trace file is rotated to `trace.log.1` past this size, so the trace keeps between one and two of it. */
const TRACE_ROTATE_BYTES = 4 * 1024 * 1024;
/** How many appends between two looks at the trace file's size. */
const TRACE_SIZE_CHECK_EVERY = 200;

/** One queue object's writer and reader of the trace file. */
export class TraceFile {
  /** The trace file: `<queue directory>/trace.log`. */
  readonly file: string;
  readonly #fileMode: number;
  /** Appends since the last look at the file's size. */
  #appends = 0;

  /**
   * @param file - The trace file's path.
   * @param fileMode - The mode it is created with.
   */
  constructor(file: string, fileMode: number) {
    this.file = file;
    this.#fileMode = fileMode;
  }

  /**
   * Appends a line (one `O_APPEND` write, so lines of several processes do
   * not interleave), and rotates the file when it has grown past 4 MiB.
   *
   * @param line - One line of JSON, without a newline.
   */
  async append(line: string): Promise<void> {
    await appendFile(this.file, `${line}\n`, { mode: this.#fileMode });
    if (++this.#appends < TRACE_SIZE_CHECK_EVERY) return;
    this.#appends = 0;
    const info = await unlessMissing(stat(this.file), undefined);
    if (info !== undefined && info.size > TRACE_ROTATE_BYTES) await unlessMissing(rename(this.file, `${this.file}.1`), undefined);
  }

  /**
   * Reads `trace.log.1` then `trace.log`, oldest first.
   *
   * @param taskId - When given, only the lines about that task.
   */
  async read(taskId?: string): Promise<string[]> {
    const text = (await unlessMissing(readFile(`${this.file}.1`, 'utf8'), '')) + (await unlessMissing(readFile(this.file, 'utf8'), ''));
    // a line still being written has no newline yet: only complete lines count
    const lines = text.split('\n').slice(0, -1).filter((line) => line !== '');
    return taskId === undefined ? lines : lines.filter((line) => mentionsTask(line, taskId));
  }
}
