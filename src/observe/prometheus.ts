/**
 * The Prometheus text exposition format, version 0.0.4, written by hand:
 * `# HELP` and `# TYPE` for each family, then one line a sample,
 * `name{label="value",...} number`. Small enough not to need a client
 * library; the format's escaping rules are the part worth reading.
 *
 * @module
 */

/** The content type of a scrape's answer. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One sample of a family: its labels and value; `suffix` (`_bucket`, `_sum`, `_count`) for a histogram's series. */
export interface Sample {
  labels: Readonly<Record<string, string>>;
  value: number;
  suffix?: '_bucket' | '_sum' | '_count';
}

/** A metric family: its name, help, type and samples. */
export interface MetricFamily {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`, e.g. `huey_calls_total`. */
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value, escaped: backslash, double quote and newline. */
export const escapeLabelValue = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A help text, escaped: backslash and newline (quotes stay). */
export const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** A sample's value as the format writes it: `+Inf`, `-Inf`, `NaN`, or the number. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * Writes families in the text format, each line ending with a newline.
 *
 * @throws Error when a metric or label name is not one the format allows (a bug, not user input).
 */
export function formatMetrics(families: readonly MetricFamily[]): string {
  let text = '';
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`not a metric name: ${family.name}`);
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels).map(([name, value]) => {
        if (!LABEL.test(name)) throw new Error(`not a label name: ${name}`);
        return `${name}="${escapeLabelValue(value)}"`;
      });
      text += `${family.name}${sample.suffix ?? ''}${labels.length > 0 ? `{${labels.join(',')}}` : ''} ${formatValue(sample.value)}\n`;
    }
  }
  return text;
}
