import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { E2E_CLIENT_DIST } from './support.js';

const PRODUCTION_DIST = fileURLToPath(new URL('../client/dist', import.meta.url));

/** The JavaScript of a built client, every chunk together. */
async function bundle(dir: string): Promise<string> {
  const assets = join(dir, 'assets');
  const files = (await readdir(assets)).filter((f) => f.endsWith('.js'));
  expect(files.length).toBeGreaterThan(0);
  return (await Promise.all(files.map((f) => readFile(join(assets, f), 'utf8')))).join('\n');
}

// What the browser tests reach into (client/src/live/mediaProbe.ts) is built into their client only.
describe('the built clients', () => {
  it('the production build carries no test hooks', async () => {
    const js = await bundle(PRODUCTION_DIST);
    for (const hook of ['__media', 'framesFrom', 'receiveStats', 'serverStats']) {
      expect(js, hook).not.toContain(hook);
    }
  });

  it('the browser tests’ build has them', async () => {
    const js = await bundle(E2E_CLIENT_DIST);
    for (const hook of ['__media', 'framesFrom', 'receiveStats', 'serverStats']) {
      expect(js, hook).toContain(hook);
    }
  });
});
