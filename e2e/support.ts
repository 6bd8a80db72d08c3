import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { loadAllInOneConfig, startSystem, type System } from '@learnlive/all-in-one';
import { signToken, type Env } from '@learnlive/common';
import { SessionResponseSchema, type RoomRole, type SessionResponse } from '@learnlive/contracts';
import { TEST_JWT_SECRET, testLogger } from '@learnlive/testing';

/**
 * The client built for the browser tests (`npm run build` makes it beside the production one):
 * the same code with `import.meta.env.MODE === 'e2e'`, which exposes test hooks (`window.__media`).
 */
export const E2E_CLIENT_DIST = fileURLToPath(new URL('dist/client', import.meta.url));

/** Every port drawn by the system (0), media and public addresses on loopback. */
export const LOOPBACK_ENV = {
  API_PORT: '0',
  REALTIME_PORT: '0',
  MEDIA_PORT: '0',
  TRANSCODER_PORT: '0',
  S3_PORT: '0',
  MEDIA_RTC_PORT: '0',
  MEDIA_LISTEN_IP: '127.0.0.1',
  PUBLIC_HOST: '127.0.0.1',
} as const;

/**
 * The whole system on embedded defaults in a fresh data directory, loopback only; `env` adds
 * or overrides settings. Closing it also removes the data directory.
 */
export async function startTestSystem(name: string, env: Env = {}): Promise<System> {
  if (!existsSync(E2E_CLIENT_DIST))
    throw new Error(`${E2E_CLIENT_DIST} is missing: run npm run build:e2e -w client first`);
  const dataDir = await mkdtemp(join(tmpdir(), `learnlive-${name}-`));
  const removeData = () => rm(dataDir, { recursive: true, force: true });
  let system: System;
  try {
    system = await startSystem(
      loadAllInOneConfig({ DATA_DIR: dataDir, CLIENT_DIST_DIR: E2E_CLIENT_DIST, ...LOOPBACK_ENV, ...env }),
      testLogger(name),
    );
  } catch (err) {
    await removeData();
    throw err;
  }
  const close = system.close;
  return Object.assign(system, {
    close: async () => {
      await close();
      await removeData();
    },
  });
}

/** A system whose JWT secret is the test one, so tests can sign room tokens (`roomToken`). */
export const startTestSystemWithKnownSecret = (name: string, env: Env = {}) =>
  startTestSystem(name, { JWT_SECRET: TEST_JWT_SECRET, MEDIA_WORKERS: '1', ...env });

/** A room token for a system from `startTestSystemWithKnownSecret`, valid 10 minutes. */
export function roomToken(room: string, role: RoomRole, name: string): string {
  const kind = room.split(':')[0] as 'live' | 'mentor';
  return signToken({ typ: 'room', sub: `user-${name}`, name, room, kind, role }, TEST_JWT_SECRET, 600);
}

/**
 * Sends a request to the system under test (as a signed-in user when `token` is given) and
 * returns its status and parsed body, whatever the status.
 */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/**
 * POSTs JSON to the system under test (as a signed-in user when `token` is given) and parses
 * the answer; a non-2xx answer fails the test with its problem body.
 */
export async function postJson<T>(
  baseUrl: string,
  path: string,
  parse: (body: unknown) => T,
  init: { token?: string; body?: unknown } = {},
): Promise<T> {
  const res = await request(baseUrl, 'POST', path, init.token, init.body);
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return parse(res.body);
}

/** A letters-only word no other test uses: unique emails, and search terms that match only ours. */
export const uniqueWord = () =>
  Array.from(randomBytes(8), (b) => String.fromCharCode(97 + (b % 26))).join('');

/**
 * Signs up a new account through the API, in English: the tests read the English interface, and
 * an account created without an `Accept-Language` would get the platform's default, French.
 */
export const register = (
  baseUrl: string,
  name: string,
  role: 'instructor' | 'learner',
  email = `${role}-${uniqueWord()}@example.org`,
): Promise<SessionResponse> =>
  postJson(baseUrl, '/api/auth/register', (b) => SessionResponseSchema.parse(b), {
    body: { email, password: 'correct horse battery', displayName: name, role, locale: 'en' },
  });

/** The session the client keeps after sign-in (client/src/lib/session.ts). */
export interface StoredSession {
  accessToken: string;
  user: { id: string; role: string; name: string };
}

/**
 * A page in a context of its own, signed in as `who` (the session the account pages store
 * after sign-in), left on the status page.
 */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  who: SessionResponse | StoredSession,
  options?: BrowserContextOptions,
): Promise<Page> {
  const stored: StoredSession =
    'displayName' in who.user
      ? {
          accessToken: who.accessToken,
          user: { id: who.user.id, role: who.user.role, name: who.user.displayName },
        }
      : (who as StoredSession);
  const page = await (await browser.newContext(options)).newPage();
  await page.goto(new URL('/status', baseUrl).href);
  await page.evaluate(
    (value) =>
      // runs in the page; the typecheck of the e2e files has no DOM library
      (
        globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }
      ).localStorage.setItem('learnlive.session', value),
    JSON.stringify(stored),
  );
  return page;
}
