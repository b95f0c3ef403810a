/**
 * The page's files (`src/web/static/`: HTML, CSS, JavaScript), read once at
 * start and served from memory. They ship as they are, so a learner can
 * read them in the package; nothing on the page comes from the network.
 *
 * @internal
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the files are: beside this module's source, whether it runs from `src/` or `dist/src/`. */
export const STATIC_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/src/') ? '../../../src/web/static/' : './static/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page may load only its own files, and talk only to this server: a
 * browser refuses anything else, so the page cannot reach the network.
 */
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export class StaticFiles {
  readonly #files: Map<string, Buffer>;

  private constructor(files: Map<string, Buffer>) {
    this.#files = files;
  }

  /** Reads every file of {@link STATIC_DIR}. */
  static async load(dir = STATIC_DIR): Promise<StaticFiles> {
    const files = new Map<string, Buffer>();
    for (const name of await readdir(dir)) if (TYPES[extname(name)] !== undefined) files.set(name, await readFile(`${dir}/${name}`));
    return new StaticFiles(files);
  }

  /** Whether there is a file of that name. */
  has(name: string): boolean {
    return this.#files.has(name);
  }

  /** Sends one file. */
  send(response: ServerResponse, name: string): void {
    const body = this.#files.get(name);
    if (body === undefined) throw new Error(`no static file ${name}`);
    response.writeHead(200, {
      'content-type': TYPES[extname(name)]!,
      'content-length': body.length,
      'cache-control': 'no-cache',
      'content-security-policy': POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    response.end(body);
  }
}
