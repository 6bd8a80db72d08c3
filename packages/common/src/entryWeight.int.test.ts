import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Records every module URL the process resolves, synchronously, in the file it is given. */
const HOOK = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(file, result.url + '\\n');
  return result;
}`;

/** The module URLs a fresh Node process resolves when it imports `specifier`. */
async function modulesLoadedBy(specifier: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'entry-weight-'));
  const file = join(dir, 'loaded.txt');
  try {
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)}, {
        data: { file: ${JSON.stringify(file)} },
      });
      await import(${JSON.stringify(specifier)});`;
    await promisify(execFile)(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, timeout: 60_000 },
    );
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const heavy = (urls: string[]) =>
  urls.filter((url) => /\/node_modules\/(s3rver|bullmq|@electric-sql\/pglite)\//.test(url));

describe("@learnlive/common's entry points", () => {
  it('the main entry loads neither s3rver, BullMQ nor PGlite (only their adapters do, when chosen)', async () => {
    const loaded = await modulesLoadedBy('@learnlive/common');
    expect(loaded.some((url) => url.includes('/node_modules/pino/'))).toBe(true); // the hook sees packages
    expect(heavy(loaded)).toEqual([]);
  });

  it('the embedded entry loads s3rver', async () => {
    const loaded = await modulesLoadedBy('@learnlive/common/embedded');
    expect(loaded.some((url) => url.includes('/node_modules/s3rver/'))).toBe(true);
  });
});
