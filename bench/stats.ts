/**
 * Numbers for the benchmarks: a precise wall clock shared by processes,
 * medians and percentiles, and how figures are written.
 */

/** Milliseconds since the epoch with sub-millisecond precision, comparable between processes of one machine. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The value at quantile `q` (0..1) of `values`, nearest rank. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** A figure measured several times: the runs, and the unit they are in. */
export interface Figure {
  /** One value per run. */
  runs: number[];
  /** `/s` for rates (higher is better), `ms` for latencies (lower is better). */
  unit: '/s' | 'ms';
}

/** The median of the runs (the lower middle for an even count). */
export function median(figure: Figure): number {
  return percentile(figure.runs, 0.5);
}

/** Writes one value of a figure: `12,345/s` or `0.84 ms`. */
export function formatValue(value: number, unit: Figure['unit']): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'ms') return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} ms`;
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}

/** Writes the spread of a figure, `11,900–12,700`, or `—` for a single run. */
export function formatSpread(figure: Figure): string {
  if (figure.runs.length < 2) return '—';
  const min = Math.min(...figure.runs);
  const max = Math.max(...figure.runs);
  const plain = (v: number): string => formatValue(v, figure.unit).replace(/\/s$| ms$/, '');
  return `${plain(min)}–${plain(max)}`;
}

/** How many times better `ours` is than `theirs`: rates divide ours by theirs, latencies theirs by ours. */
export function ratio(ours: Figure, theirs: Figure): number {
  return ours.unit === '/s' ? median(ours) / median(theirs) : median(theirs) / median(ours);
}

/** A ratio as `2.05×`, with two significant digits below 1. */
export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 1 ? `${value.toFixed(2)}×` : `${value.toPrecision(2)}×`;
}

/** Calls per second of `count` calls in `ms` milliseconds. */
export function rate(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Infinity;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
