/**
 * What a run tells while it runs, on stderr: one line a measurement, and at
 * the end where the time went (a line a section, and the work inside them
 * that is not measured, such as filling backlogs).
 */
import type { Figure } from './stats.js';
import { formatValue } from './stats.js';

/** The run's sections in the order they ran, with their time, and untimed chores counted across sections. */
export class Timeline {
  readonly #started = performance.now();
  readonly #sections = new Map<string, number>();
  readonly #chores = new Map<string, { ms: number; times: number }>();
  #current: { name: string; since: number } | undefined;

  /** Seconds since the run started. */
  elapsed(): number {
    return (performance.now() - this.#started) / 1000;
  }

  /** Writes one progress line on stderr, stamped with the seconds since the start. */
  line(message: string): void {
    process.stderr.write(`[bench ${this.elapsed().toFixed(0).padStart(4)} s] ${message}\n`);
  }

  /** Ends the current section (if any) and starts `name`; a name used again adds to its time. */
  section(name: string): void {
    this.end();
    this.#current = { name, since: performance.now() };
  }

  /** Ends the current section. */
  end(): void {
    if (this.#current === undefined) return;
    const { name, since } = this.#current;
    this.#sections.set(name, (this.#sections.get(name) ?? 0) + performance.now() - since);
    this.#current = undefined;
  }

  /** Counts `ms` of an untimed chore (e.g. `filling backlogs`) done `times` times, inside whatever section runs. */
  chore(name: string, ms: number, times = 1): void {
    const chore = this.#chores.get(name) ?? { ms: 0, times: 0 };
    chore.ms += ms;
    chore.times += times;
    this.#chores.set(name, chore);
  }

  /** The lines of the summary: each section's seconds and share of the run, then the chores. */
  summary(): string[] {
    this.end();
    const total = (performance.now() - this.#started) / 1000;
    const labels = [...this.#sections.keys(), ...[...this.#chores.keys()].map((name) => `(${name})`)];
    const width = Math.max(0, ...labels.map((label) => label.length));
    const seconds = (ms: number): string => `${(ms / 1000).toFixed(1).padStart(6)} s`;
    const share = (ms: number): string => `${Math.round(ms / 10 / total).toString().padStart(3)} %`;
    const lines = ['where the time went:'];
    for (const [name, ms] of this.#sections) lines.push(`  ${name.padEnd(width)} ${seconds(ms)} ${share(ms)}`);
    for (const [name, { ms, times }] of this.#chores) lines.push(`  ${`(${name})`.padEnd(width)} ${seconds(ms)} ${share(ms)}  ${times} times, inside the sections above`);
    return lines;
  }
}

/** One thing measured in {@link measureInTurn}: what it is (for progress), its unit, one run of it. */
export interface Contender {
  what: string;
  unit: Figure['unit'];
  once: (run: number) => Promise<number>;
}

/**
 * Measures each contender `runs` times, in turn (the first's run 1, the
 * second's run 1, ..., then every run 2), so that the figures compared in
 * a ratio were taken seconds apart, under the same load of the machine.
 *
 * @returns One figure a contender, in the order given.
 */
export async function measureInTurn(timeline: Timeline, runs: number, contenders: Contender[]): Promise<Figure[]> {
  const figures = contenders.map((contender): Figure => ({ runs: [], unit: contender.unit }));
  for (let run = 0; run < runs; run++) {
    for (const [i, contender] of contenders.entries()) {
      const value = await contender.once(run);
      figures[i]!.runs.push(value);
      timeline.line(`${contender.what}: run ${run + 1}/${runs}: ${formatValue(value, contender.unit)}`);
    }
  }
  return figures;
}

/** Measures one thing `runs` times. */
export async function measure(timeline: Timeline, what: string, runs: number, unit: Figure['unit'], once: (run: number) => Promise<number>): Promise<Figure> {
  const [figure] = await measureInTurn(timeline, runs, [{ what, unit, once }]);
  return figure!;
}
