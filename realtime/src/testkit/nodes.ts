import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { signToken, type Db } from '@learnlive/common';
import type { RoomRole, UserRole } from '@learnlive/contracts';
import { TEST_JWT_SECRET, testLogger, waitFor } from '@learnlive/testing';
import { loadRealtimeConfig } from '../config.js';
import { startRealtime, type RealtimeDeps, type RealtimeService } from '../service.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const accessToken = (
  sub: string,
  options: { role?: UserRole; name?: string; ttl?: number; gen?: number } = {},
) =>
  signToken(
    {
      typ: 'access',
      sub,
      role: options.role ?? 'learner',
      name: options.name ?? sub,
      ...(options.gen === undefined ? {} : { gen: options.gen }),
    },
    TEST_JWT_SECRET,
    options.ttl ?? 3600,
  );

export const roomToken = (sub: string, room: string, role: RoomRole = 'member', ttl = 3600) =>
  signToken(
    {
      typ: 'room',
      sub,
      name: sub,
      room,
      kind: room.split(':')[0] as 'course' | 'live' | 'mentor' | 'dm',
      role,
    },
    TEST_JWT_SECRET,
    ttl,
  );

export function nodeEnv(
  databaseUrl: string,
  redisUrl: string | undefined,
  extra: Record<string, string> = {},
) {
  return {
    REALTIME_PORT: '0',
    REALTIME_HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** A node in this process; `db` shares a database the test holds (PGlite is one connection). */
export function startNode(
  env: Record<string, string>,
  db?: Db,
  deps: Omit<RealtimeDeps, 'db'> = {},
): Promise<RealtimeService> {
  return startRealtime(loadRealtimeConfig(env), testLogger('realtime'), db ? { ...deps, db } : deps);
}

/** A node in its own process, so a test can SIGKILL it (a crash, not a shutdown). */
export interface ProcessNode {
  readonly url: string;
  readonly port: number;
  kill(): Promise<void>;
  /** SIGSTOP: the node keeps its connections open but answers nothing (a hung machine). */
  pause(): void;
}

export async function startProcessNode(env: Record<string, string>): Promise<ProcessNode> {
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'realtime/src/main.ts'],
    {
      cwd: ROOT,
      // Port 0, read back from the start-up log: a port drawn beforehand can be taken by
      // another test's server before this one binds it.
      // eslint-disable-next-line no-restricted-properties -- the child inherits PATH, HOME and the like
      env: { ...process.env, ...env, REALTIME_PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes('realtime listening') || child.exitCode !== null, {
    // tsx compiles the sources at start: on a loaded 2-core machine that alone took over 30 s
    timeoutMs: 120_000,
    what: 'realtime child process',
  });
  if (child.exitCode !== null) throw new Error(`realtime node exited: ${output}`);
  const started = output.split('\n').find((line) => line.includes('realtime listening')) ?? '';
  const port = Number(/"port":(\d+)/.exec(started)?.[1]);
  if (!port) throw new Error(`no port in the start-up log: ${started}`);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pause: () => void child.kill('SIGSTOP'),
    kill: () =>
      new Promise<void>((resolve) => {
        // a signalled child keeps exitCode null: check both
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
