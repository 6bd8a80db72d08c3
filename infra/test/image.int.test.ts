/**
 * The production tree the Dockerfile assembles, started the way the images start it.
 *
 * There is no Docker engine on the build machines, so instead of building the image this
 * runs the Dockerfile's own `build`-stage script (read from the Dockerfile: `npm prune
 * --omit=dev` and the copy into /prod, with /prod moved to a scratch directory) over a copy of
 * the already built workspace, then starts each service with its target's `CMD`, in that tree,
 * with the environment docker-compose gives it (backing services swapped for local ones:
 * PostgreSQL, a private redis-server, s3rver). Every service must become ready on /readyz,
 * the API must serve the client, and SIGTERM must stop each one with exit code 0.
 *
 * Needs the workspace built first (`npm run build`; `npm test` does it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  createPostgresDatabase,
  freePort,
  startRedis,
  startS3,
  waitFor,
  type TestDatabase,
  type TestRedis,
  type TestS3,
} from '@learnlive/testing';
import {
  ComposeFile,
  SERVICE_NAMES,
  at,
  composeConfig,
  environmentOf,
  exampleEnv,
  portVariableOf,
  readText,
  run,
  variablesOf,
  type Env,
  type ServiceName,
} from './deployment.js';

/** The `build` stage's RUN script and its RUNTIME_WORKSPACES default, as the Dockerfile has them. */
function buildStage(): { script: string; workspaces: string } {
  const stage = readText('Dockerfile')
    .split(/^FROM /m)
    .find((s) => s.startsWith('deps AS build'));
  if (!stage) throw new Error('Dockerfile has no `FROM deps AS build` stage');
  const workspaces = /^ARG RUNTIME_WORKSPACES="([^"]+)"$/m.exec(stage)?.[1];
  const script = stage
    .replace(/\\\n/g, ' ')
    .split('\n')
    .find((line) => line.startsWith('RUN '))
    ?.slice(4);
  if (!workspaces || !script) throw new Error('Dockerfile build stage: no RUNTIME_WORKSPACES or RUN');
  return { script, workspaces };
}

/** The JSON-form CMD of a service's target. */
function commandOf(service: ServiceName): string[] {
  const stage = readText('Dockerfile')
    .split(/^FROM /m)
    .find((s) => s.startsWith(`runtime AS ${service}`));
  const cmd = stage && /^CMD (\[.*\])$/m.exec(stage)?.[1];
  if (!cmd) throw new Error(`Dockerfile target ${service} has no JSON-form CMD`);
  return z.array(z.string()).min(1).parse(JSON.parse(cmd));
}

interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  output: string;
  exit?: Promise<number | null>;
}

describe('the runtime tree the Dockerfile assembles', () => {
  let scratch: string;
  let prod: string;
  let database: TestDatabase;
  let redis: TestRedis;
  let s3: TestS3;
  const running = new Map<ServiceName, Running>();

  const describeRun = (name: ServiceName) =>
    `${name} output:\n${running.get(name)?.output.slice(-3000) ?? ''}`;

  async function start(name: ServiceName, composeEnv: Env): Promise<void> {
    const port = await freePort();
    const env: Env = { ...composeEnv };
    // The image's WORKDIR is /app: paths under it live in the scratch tree here.
    for (const [key, value] of Object.entries(env)) {
      if (value.startsWith('/app/')) env[key] = join(prod, value.slice('/app/'.length));
    }
    const storage = s3.storage;
    const overrides: Env = {
      [portVariableOf(name)]: String(port),
      [`${name.toUpperCase()}_HOST`]: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      S3_ENDPOINT: storage.endpoint ?? '',
      S3_REGION: storage.region,
      S3_BUCKET: storage.bucket,
      S3_ACCESS_KEY_ID: storage.accessKeyId,
      S3_SECRET_ACCESS_KEY: storage.secretAccessKey,
      S3_FORCE_PATH_STYLE: String(storage.forcePathStyle),
      MEDIA_WORKERS: '1',
      MEDIA_RTC_PORT: '0',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_ANNOUNCED_ADDRESS: '127.0.0.1',
    };
    // Only what the service declares, and only where compose gives it the variable or the
    // local run needs it (port, host, the backing services).
    const declared = new Set(variablesOf(name));
    for (const [key, value] of Object.entries(overrides)) {
      if (declared.has(key) && (key in env || key === portVariableOf(name) || key.endsWith('_HOST')))
        env[key] = value;
    }
    const [command, ...args] = commandOf(name);
    const child = spawn(command!, args, {
      cwd: prod,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        // The image carries mediasoup's downloaded worker; here it is the machine's build.
        ...(process.env.MEDIASOUP_WORKER_BIN
          ? { MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN }
          : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry: Running = { child, port, output: '' };
    entry.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout!.on('data', (chunk: Buffer) => (entry.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (entry.output += chunk.toString()));
    running.set(name, entry);
  }

  async function ready(name: ServiceName): Promise<void> {
    const entry = running.get(name)!;
    const outcome = await waitFor(
      async () => {
        if (entry.child.exitCode !== null || entry.child.signalCode !== null) return 'exited';
        const res = await fetch(`http://127.0.0.1:${entry.port}/readyz`);
        return res.status === 200 ? 'ready' : false;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: `${name} /readyz` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${describeRun(name)}`, { cause: err });
    });
    if (outcome === 'exited') {
      throw new Error(
        `${name} exited (${entry.child.exitCode ?? entry.child.signalCode}) before it was ready\n${describeRun(name)}`,
      );
    }
  }

  beforeAll(async () => {
    for (const name of SERVICE_NAMES) {
      if (!existsSync(at(name, 'dist', 'main.js')))
        throw new Error(`${name}/dist is missing: run npm run build first`);
    }
    if (!existsSync(at('client', 'dist', 'index.html')))
      throw new Error('client/dist is missing: run npm run build first');

    scratch = await mkdtemp(join(tmpdir(), 'infra-image-'));
    const context = join(scratch, 'context');
    prod = join(scratch, 'prod');
    await mkdir(context);

    // The build context after `npm ci` and `npm run build`: manifests, dist/, migrations/,
    // node_modules. node_modules is hard-linked (fast, no space); prune only unlinks entries in
    // the copy, and npm's hidden lockfile, which it rewrites, is a real copy.
    await copyFile(at('package.json'), join(context, 'package.json'));
    await copyFile(at('package-lock.json'), join(context, 'package-lock.json'));
    const link = async (from: string, to: string) => {
      try {
        await run('cp', ['-al', from, to]);
      } catch {
        await run('cp', ['-a', from, to]);
      }
    };
    await link(at('node_modules'), join(context, 'node_modules'));
    if (existsSync(at('node_modules', '.package-lock.json'))) {
      await rm(join(context, 'node_modules', '.package-lock.json'));
      await copyFile(
        at('node_modules', '.package-lock.json'),
        join(context, 'node_modules', '.package-lock.json'),
      );
    }
    const { workspaces } = z
      .object({ workspaces: z.array(z.string()) })
      .parse(JSON.parse(readText('package.json')));
    for (const ws of workspaces) {
      await mkdir(join(context, ws), { recursive: true });
      await copyFile(at(ws, 'package.json'), join(context, ws, 'package.json'));
      for (const dir of ['dist', 'migrations', 'node_modules']) {
        if (existsSync(at(ws, dir))) await link(at(ws, dir), join(context, ws, dir));
      }
    }

    // The Dockerfile's own script; only the compile step is skipped (done already) and /prod
    // is the scratch directory.
    const stage = buildStage();
    expect(stage.script).toContain('npm run build');
    const script = stage.script.replace('npm run build', 'true').replace(/(?<![\w.])\/prod\b/g, prod);
    await run('sh', ['-ec', script], {
      cwd: context,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: scratch,
        RUNTIME_WORKSPACES: stage.workspaces,
        npm_config_offline: 'true',
        npm_config_cache: join(scratch, 'npm-cache'),
      },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });

    // The runtime stage's own directories (`RUN mkdir -p /app/...`), under the scratch tree.
    const runtime = readText('Dockerfile')
      .split(/^FROM /m)
      .find((stage) => stage.startsWith('${NODE_IMAGE} AS runtime'));
    for (const [, list] of (runtime ?? '').matchAll(/mkdir -p ([^&\n]+)/g)) {
      for (const dir of list!.trim().split(/\s+/)) {
        if (dir.startsWith('/app/')) await mkdir(join(prod, dir.slice('/app/'.length)), { recursive: true });
      }
    }

    [database, redis, s3] = await Promise.all([createPostgresDatabase(), startRedis(), startS3('learnlive')]);
  }, 240_000);

  afterAll(async () => {
    for (const { child } of running.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.allSettled([database?.drop(), redis?.stop(), s3?.stop()]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  it('holds production files only', () => {
    for (const name of SERVICE_NAMES) {
      expect(existsSync(join(prod, name, 'dist', 'main.js')), `${name}/dist/main.js`).toBe(true);
      expect(existsSync(join(prod, name, 'src')), `${name}/src must not ship`).toBe(false);
      if (existsSync(at(name, 'migrations'))) expect(existsSync(join(prod, name, 'migrations'))).toBe(true);
    }
    expect(existsSync(join(prod, 'client', 'dist', 'index.html'))).toBe(true);
    // Dev dependencies are pruned: the compilers and test runners are not in the image.
    for (const dev of ['typescript', 'vitest', 'eslint']) {
      expect(existsSync(join(prod, 'node_modules', dev)), `node_modules/${dev}`).toBe(false);
    }
  });

  it('starts every service with the compose environment, ready, serving the client, stopping cleanly', async () => {
    const dir = join(scratch, 'compose');
    await mkdir(dir);
    const result = await composeConfig(dir, exampleEnv());
    if (!result.ok) throw new Error(`docker-compose config failed:\n${result.stderr}`);
    const compose = ComposeFile.parse(parseYaml(result.stdout));
    const envOf = (name: ServiceName) => environmentOf(compose.services[name]!);

    // compose order: the API (migrations) first, then the others.
    await start('api', envOf('api'));
    await ready('api');
    for (const name of SERVICE_NAMES.filter((n) => n !== 'api')) await start(name, envOf(name));
    for (const name of SERVICE_NAMES) await ready(name);

    const page = await fetch(`http://127.0.0.1:${running.get('api')!.port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);

    for (const name of SERVICE_NAMES) {
      const entry = running.get(name)!;
      entry.child.kill('SIGTERM');
      const code = await Promise.race([
        entry.exit!,
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000)),
      ]);
      expect(code, `${name} exit after SIGTERM\n${describeRun(name)}`).toBe(0);
    }
  }, 240_000);
});
