import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as UwsModule from 'uWebSockets.js';
import { withoutGlibc238 } from './uwsGlibcCompat.js';

const require = createRequire(import.meta.url);
export type Uws = typeof UwsModule;

export interface UwsProbe {
  /** The native addon, or undefined when none loads on this Node (the `ws` engine runs). */
  uws: Uws | undefined;
  /** Why no native addon loaded. */
  reason?: string;
  /** Which build loaded, for the start-up log: package, version and how it was loaded. */
  build?: string;
}

/**
 * Node 20 (ABI 115) loads `uWebSockets.js` (a build of uWS 20.30 whose binary needs only glibc
 * 2.17). Later Node versions load `uwebsockets-node22` (uWS 20.57 with binaries for ABI 127,
 * 137 and 141); those binaries need glibc 2.38, so on older glibc (Debian 12) their import
 * table is rewritten first (`uwsGlibcCompat.ts`) and the copy is loaded.
 */
const NODE20_ABI = '115';

// Shared across module evaluations (test runners evaluate sources once per file): one process
// must load one copy of the addon, or it runs two uSockets loops.
const KEY = Symbol.for('learnlive.uwsProbe');
const globals = globalThis as unknown as Record<symbol, UwsProbe | undefined>;

/**
 * Loads the uWebSockets.js native addon for this Node and tells whether it loaded. The Node 20
 * package falls back to a slow JavaScript shim with only a console warning when its binary does
 * not match; we refuse the shim and use socket.io's own `ws` engine instead, which is faster.
 */
export function probeUws(): UwsProbe {
  return (globals[KEY] ??= process.versions.modules === NODE20_ABI ? probeNode20() : probeLater());
}

function probeNode20(): UwsProbe {
  try {
    const warn = console.warn;
    console.warn = () => {}; // the package prints its fallback notice itself
    let uws: Uws;
    try {
      uws = require('uWebSockets.js') as Uws;
    } finally {
      console.warn = warn;
    }
    const native = Object.keys(require.cache).some((path) => /uws_[\w]+\.node$/.test(path));
    return native
      ? { uws, build: `uWebSockets.js ${packageVersion('uWebSockets.js')}` }
      : { uws: undefined, reason: `no native binary for node ABI ${process.versions.modules}` };
  } catch (err) {
    return { uws: undefined, reason: message(err) };
  }
}

function probeLater(): UwsProbe {
  const name = 'uwebsockets-node22';
  try {
    const addon = join(
      dirname(require.resolve(name)),
      `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`,
    );
    const build = `${name} ${packageVersion(name)}`;
    try {
      return { uws: require(addon) as Uws, build };
    } catch (err) {
      if (!message(err).includes('GLIBC_2.38')) throw err;
    }
    const { elf, rebound } = withoutGlibc238(readFileSync(addon));
    // A private directory (mode 0700), removed once loaded: the mapping outlives the file.
    const dir = mkdtempSync(join(tmpdir(), 'learnlive-uws-'));
    try {
      const copy = join(dir, 'uws.node');
      writeFileSync(copy, elf, { mode: 0o500 });
      return { uws: require(copy) as Uws, build: `${build} (glibc < 2.38: ${rebound.join(', ')} rebound)` };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } catch (err) {
    return { uws: undefined, reason: message(err) };
  }
}

/** The version in the nearest package.json above the package's entry file. */
function packageVersion(name: string): string {
  for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')))
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
