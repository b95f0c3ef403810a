/**
 * A strict reader of the Prometheus text format 0.0.4, for the tests of
 * `/metrics`: every line is a `# HELP`, a `# TYPE` or a sample of the
 * family its `# TYPE` announced; anything else throws, naming the line.
 */

/** One scrape, read: each family's type and help, and each sample by its series (`name{label="v",...}`). */
export interface Scrape {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Map<string, number>;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABELS = `\\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*")*)?\\}`;
const SAMPLE = new RegExp(`^(${NAME})(${LABELS})? (-?[0-9.eE+-]+|\\+Inf|-Inf|NaN)$`);

/** Reads a scrape; throws on the first line that is not the format. */
export function parseScrape(text: string): Scrape {
  if (!text.endsWith('\n')) throw new Error('a scrape ends with a newline');
  const scrape: Scrape = { types: new Map(), help: new Map(), samples: new Map() };
  let family: string | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const help = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    if (help !== null) {
      scrape.help.set(help[1]!, help[2]!);
      continue;
    }
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (type !== null) {
      if (!scrape.help.has(type[1]!)) throw new Error(`# TYPE ${type[1]} without its # HELP first`);
      scrape.types.set(type[1]!, type[2]!);
      family = type[1];
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (sample === null) throw new Error(`not a line of the text format: ${JSON.stringify(line)}`);
    const [, name, labels = '', value] = sample;
    const suffixes = scrape.types.get(family ?? '') === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    if (family === undefined || !suffixes.some((suffix) => name === `${family}${suffix}`)) throw new Error(`sample ${name} outside its family (${family})`);
    scrape.samples.set(`${name}${labels}`, value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value));
  }
  return scrape;
}
