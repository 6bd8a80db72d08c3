import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { glibcVersionsNeeded, withoutGlibc238 } from './uwsGlibcCompat.js';

// Real binaries: the uWS builds for Node >= 22 that we ship, patched and loaded in a child
// process (one process must not load two copies of the addon).
const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('uwebsockets-node22'));
const linuxBinaries = readdirSync(packageDir).filter((f) => /^uws_linux_x64_\d+\.node$/.test(f));
const thisNode = `uws_linux_x64_${process.versions.modules}.node`;
const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header
  .glibcVersionRuntime;
const dir = mkdtempSync(join(tmpdir(), 'uws-compat-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads `addon` in a child Node, serves one request with it and prints the answer. */
async function serveOnce(addon: string): Promise<string> {
  const script = `
    const uws = require(${JSON.stringify(addon)});
    const app = uws.App().get('/*', (res, req) => res.end('hello ' + req.getUrl()));
    app.listen('127.0.0.1', 0, async (socket) => {
      const port = uws.us_socket_local_port(socket);
      const reply = await fetch('http://127.0.0.1:' + port + '/from-child');
      console.log(await reply.text());
      process.exit(0);
    });`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 30_000 });
  return stdout.trim();
}

describe('uWS addons built against glibc 2.38', () => {
  it('ships a linux x64 binary for this Node', () => {
    expect(linuxBinaries).toContain(thisNode);
  });

  it.each(linuxBinaries)(
    '%s: only C23 functions need glibc 2.38, and after the rewrite nothing does',
    (file) => {
      const original = readFileSync(join(packageDir, file));
      expect(glibcVersionsNeeded(original)).toContain('GLIBC_2.38');
      const { elf, rebound } = withoutGlibc238(original);
      expect(glibcVersionsNeeded(elf)).not.toContain('GLIBC_2.38');
      expect(rebound.length).toBeGreaterThan(0);
      expect(rebound.every((name) => ['sscanf', 'strtol', 'strtoul', 'strtoull'].includes(name))).toBe(true);
      // Nothing but the string table's C23 names, the version table entries and one requirement.
      let changed = 0;
      for (let i = 0; i < original.length; i++) if (original[i] !== elf[i]) changed++;
      expect(changed).toBeLessThan(20 * rebound.length + 16);
      // The input is left alone, and a rewritten binary needs no second rewrite.
      expect(glibcVersionsNeeded(original)).toContain('GLIBC_2.38');
      expect(withoutGlibc238(elf).rebound).toEqual([]);
    },
  );

  it(`the rewritten binary for this Node loads and serves HTTP (glibc ${glibc})`, async () => {
    const copy = join(dir, thisNode);
    writeFileSync(copy, withoutGlibc238(readFileSync(join(packageDir, thisNode))).elf);
    expect(await serveOnce(copy)).toBe('hello /from-child');
  });

  it('the published binary loads only on glibc >= 2.38', async () => {
    const [major, minor] = (glibc ?? '0.0').split('.').map(Number) as [number, number];
    const loads = serveOnce(join(packageDir, thisNode));
    if (major > 2 || minor >= 38) await expect(loads).resolves.toBe('hello /from-child');
    else await expect(loads).rejects.toThrow(/GLIBC_2\.38' not found/);
  });

  it('refuses a non-ELF file', () => {
    expect(() => withoutGlibc238(Buffer.from('#!/bin/sh\n'))).toThrow('not an ELF64');
  });
});
