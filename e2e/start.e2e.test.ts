import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, waitFor } from '@learnlive/testing';
import { LOOPBACK_ENV } from './support.js';

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * What a new user does: `npm start` (the real entry point, on free ports), open the printed
 * URL in a browser, and every service answers its health and readiness checks.
 */
describe('npm start', () => {
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  let dataDir: string | undefined;
  let output = '';

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts everything on embedded defaults, serves the client, and stops cleanly on SIGTERM', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'learnlive-start-'));
    child = spawn('npm', ['start'], {
      cwd: ROOT,
      // as a person runs it: without vitest's NODE_ENV=test, which would make npm start's build
      // a development build of React (double effects) and overwrite the e2e tests' client with it
      env: {
        ...withoutTestEnv(process.env),
        DATA_DIR: dataDir,
        ...LOOPBACK_ENV,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const url = await waitFor(() => /LearnLive is running: open (\S+)/.exec(output)?.[1], {
      timeoutMs: 110_000,
      what: 'the printed URL',
    }).catch((err: unknown) => {
      throw new Error(`npm start printed no URL:\n${output}`, { cause: err });
    });
    expect(output).toMatch(/realtimeEngine\s+uWebSockets\.js/);
    expect(output).toMatch(/database\s+PGlite/);
    expect(output).toMatch(/jobQueue\s+in-process/);

    const ports = Object.fromEntries(
      [...(/ports\s+(.*)/.exec(output)?.[1] ?? '').matchAll(/(\w+) (\d+)/g)].map((m) => [m[1], Number(m[2])]),
    );
    expect(Object.keys(ports).sort()).toEqual(['api', 'media', 'realtime', 'transcoder']);
    for (const [service, port] of Object.entries(ports)) {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status, `${service} /healthz`).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', service });
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status, `${service} /readyz: ${await ready.clone().text()}`).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', service });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('process_cpu_seconds_total');
    }

    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(url);
    await expect.poll(() => page.locator('h1').first().textContent()).toBe('Learn live, together');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('api-health').textContent()).toBe('The server is up.');
    await page.getByRole('link', { name: 'Status' }).click();
    await expect.poll(() => page.getByTestId('engines').textContent()).toContain('uWebSockets.js');
    await page.screenshot({ path: join(dataDir, 'start.png'), fullPage: true });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    // what an orchestrator does: SIGTERM to the server process; it drains and exits 0, and so does npm
    const pid = Number(/pid\s+(\d+)/.exec(output)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGTERM');
    expect(await exited).toBe(0);
  });
});

function withoutTestEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_ENV: _nodeEnv, ...rest } = env;
  return rest;
}
