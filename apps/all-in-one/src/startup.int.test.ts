import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET, freePort } from '@learnlive/testing';

const ROOT = new URL('../../../', import.meta.url).pathname;
const ENTRY = {
  api: 'api/dist/main.js',
  realtime: 'realtime/dist/main.js',
  media: 'media/dist/main.js',
  transcoder: 'transcoder/dist/main.js',
  'all-in-one': 'apps/all-in-one/dist/main.js',
} as const;

/** Runs an entry point the way an operator does, with only the given variables set. */
function run(
  entry: keyof typeof ENTRY,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, ENTRY[entry])], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not stop within 30 s:\n${out}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The one line that says what is wrong (Node's own warnings aside). */
function errorLines(out: string): string[] {
  return out
    .split('\n')
    .filter((line) => line.includes('invalid configuration'))
    .map((line) => line.trim());
}

describe('start-up with bad configuration', () => {
  let blocker: Server;
  let busyPort: number;
  let dataDir: string;

  beforeAll(async () => {
    for (const entry of Object.values(ENTRY)) {
      if (!existsSync(join(ROOT, entry)))
        throw new Error(`${entry} is not built: run npm run build (npm test does)`);
    }
    busyPort = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(busyPort, '0.0.0.0', resolve));
    dataDir = await mkdtemp(join(tmpdir(), 'learnlive-badconfig-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each(['api', 'realtime', 'media'] as const)(
    '%s refuses to start without JWT_SECRET',
    async (service) => {
      const { code, out } = await run(service, {});
      expect(code).toBe(1);
      expect(errorLines(out)).toEqual([
        expect.stringMatching(new RegExp(`^invalid configuration for ${service}: .*JWT_SECRET: is required`)),
      ]);
    },
  );

  it('names a malformed URL and a short secret in one message', async () => {
    const { code, out } = await run('api', {
      JWT_SECRET: 'short',
      DATABASE_URL: 'mysql://db/x',
      REDIS_URL: 'not a url',
    });
    expect(code).toBe(1);
    const [line, ...rest] = errorLines(out);
    expect(rest).toEqual([]);
    expect(line).toContain('JWT_SECRET: must be at least 32 characters');
    expect(line).toContain('DATABASE_URL: must be a URL (postgres://, postgresql://, pglite://)');
    expect(line).toContain('REDIS_URL: must be a URL (redis://, rediss://)');
  });

  it.each([
    ['transcoder', { TRANSCODER_CONCURRENCY: 'lots' }, 'TRANSCODER_CONCURRENCY: must be a number'],
    ['media', { JWT_SECRET: TEST_JWT_SECRET, MEDIA_WORKERS: '0' }, 'MEDIA_WORKERS: must be at least 1'],
    ['media', { JWT_SECRET: TEST_JWT_SECRET, MEDIA_LISTEN_IP: 'example.org' }, 'MEDIA_LISTEN_IP:'],
  ] as const)('%s names %j', async (service, env, message) => {
    const { code, out } = await run(service, env);
    expect(code).toBe(1);
    expect(errorLines(out).join('\n')).toContain(message);
  });

  it.each([
    ['api', 'API_PORT'],
    ['realtime', 'REALTIME_PORT'],
    ['media', 'MEDIA_PORT'],
    ['transcoder', 'TRANSCODER_PORT'],
  ] as const)('%s names %s when the port is in use', async (service, variable) => {
    const { code, out } = await run(service, {
      JWT_SECRET: TEST_JWT_SECRET,
      [variable]: String(busyPort),
      DATABASE_URL: `pglite:${join(dataDir, service)}`,
      MEDIA_RTC_PORT: '0',
      MEDIA_WORKERS: '1',
    });
    expect(code).toBe(1);
    expect(errorLines(out)).toEqual([
      expect.stringMatching(
        new RegExp(`^invalid configuration for ${service}: ${variable}: port ${busyPort} on 0\\.0\\.0\\.0`),
      ),
    ]);
  });

  it('the all-in-one stops whole when a port is taken: nothing half-starts', async () => {
    const ports = {
      realtime: await freePort(),
      media: await freePort(),
      transcoder: await freePort(),
      s3: await freePort(),
    };
    const { code, out } = await run('all-in-one', {
      DATA_DIR: join(dataDir, 'all'),
      API_PORT: String(busyPort),
      REALTIME_PORT: String(ports.realtime),
      MEDIA_PORT: String(ports.media),
      TRANSCODER_PORT: String(ports.transcoder),
      S3_PORT: String(ports.s3),
      MEDIA_RTC_PORT: '0',
    });
    expect(code).toBe(1);
    expect(out).not.toContain('LearnLive is running');
    expect(errorLines(out)).toEqual([expect.stringContaining(`API_PORT: port ${busyPort}`)]);
  });
});
