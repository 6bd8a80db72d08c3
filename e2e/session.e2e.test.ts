import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page, Request } from 'playwright-core';
import { CourseDetailSchema } from '@learnlive/contracts';
import { launchChromium } from '@learnlive/testing';
import { postJson, register, request, signedInPage, uniqueWord } from './support.js';

const baseUrl = inject('baseUrl');
const KEY = 'learnlive.session';

/** The access token a tab keeps (e2e code has no DOM types: the page's storage, typed here). */
const storedToken = (tab: Page) =>
  tab.evaluate((key) => {
    const storage = (globalThis as unknown as { localStorage: { getItem(k: string): string | null } })
      .localStorage;
    return (JSON.parse(storage.getItem(key) ?? 'null') as { accessToken: string } | null)?.accessToken;
  }, KEY);

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('one session in two tabs', () => {
  // Covered step by step, with the order of events under control, by
  // client/src/lib/sessionRefresh.test.ts; this is the same in a real browser.
  it('two tabs whose access token expired together refresh once, and both stay signed in', async () => {
    const context = await browser.newContext();
    const tabA = await context.newPage();
    await tabA.goto(new URL('/sign-up', baseUrl).toString());
    await tabA.getByLabel('Name').fill('Tab Twice');
    await tabA.getByLabel('Email').fill(`tabs-${uniqueWord()}@example.org`);
    await tabA.getByLabel('Password (at least 10 characters)').fill('a long enough password');
    await tabA.getByRole('button', { name: 'Sign up' }).click();
    await tabA.waitForURL(/\/courses$/);
    const tabB = await context.newPage();
    await tabB.goto(new URL('/learning', baseUrl).toString());
    const signedInPage = (tab: typeof tabA) =>
      tab.getByText('You are not enrolled in any course yet').count();
    await expect.poll(() => signedInPage(tabB)).toBe(1);

    const original = (await storedToken(tabA))!;
    // The access token expires for both tabs at the same moment: the API refuses it as expired
    // (stood in for here, so the test need not wait out a real lifetime).
    // Both answers are held until both tabs asked, so both tabs want to refresh at the same time.
    const refused: string[] = [];
    let release!: () => void;
    const bothAsked = new Promise<void>((resolve) => (release = resolve));
    await context.route('**/api/me/learning', async (route) => {
      if (route.request().headers().authorization === `Bearer ${original}`) {
        refused.push(route.request().frame().page() === tabA ? 'A' : 'B');
        if (refused.length === 2) release();
        await Promise.race([bothAsked, new Promise((resolve) => setTimeout(resolve, 30_000))]);
        await route.fulfill({
          status: 401,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'about:blank',
            title: 'Unauthorized',
            status: 401,
            code: 'token_expired',
            detail: 'the token has expired',
          }),
        });
      } else {
        await route.continue();
      }
    });
    const refreshes: Request[] = [];
    context.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/auth/refresh') refreshes.push(request);
    });

    // both tabs load at once, both hit the expired token, both want to refresh
    await Promise.all([tabA.goto(new URL('/learning', baseUrl).toString()), tabB.reload()]);
    for (const tab of [tabA, tabB]) {
      await expect.poll(() => signedInPage(tab)).toBe(1);
    }
    expect(refused.sort()).toEqual(['A', 'B']);
    // one refresh for the whole browser: the other tab took the session the first one got
    expect(refreshes).toHaveLength(1);
    const renewed = await storedToken(tabA);
    expect(renewed).not.toBe(original);
    expect(await storedToken(tabB)).toBe(renewed);
    // the session was not revoked as a reuse: the shared cookie still refreshes
    const status = await tabB.evaluate(
      async () => (await fetch('/api/auth/refresh', { method: 'POST' })).status,
    );
    expect(status).toBe(200);
    await context.close();
  });
});

describe('access revoked by the server', () => {
  it('a page whose chat is open says why it was signed out, until the next sign-in', async () => {
    const email = `revoked-${uniqueWord()}@example.org`;
    const teacher = await register(baseUrl, 'Rae Revoked', 'instructor', email);
    const course = await postJson(baseUrl, '/api/courses', (b) => CourseDetailSchema.parse(b), {
      token: teacher.accessToken,
      body: { title: `Revoked ${uniqueWord()}`, summary: 'A course with a community', domain: 'crafts' },
    });
    const page = await signedInPage(browser, baseUrl, teacher);
    await page.goto(new URL(`/community/chat?room=course:${course.id}`, baseUrl).toString());
    // joined: the realtime socket is connected
    await expect.poll(() => page.getByLabel('Message', { exact: true }).isEnabled()).toBe(true);

    // from another device
    const signOut = await request(baseUrl, 'POST', '/api/auth/sign-out-everywhere', teacher.accessToken);
    expect(signOut.status).toBe(204);

    const notice = page.getByRole('alert').filter({ hasText: 'signed out on all your devices' });
    await expect.poll(() => notice.count()).toBe(1);
    await expect.poll(() => page.getByText('to chat.').count()).toBe(1);

    // the reason stays with the tab until the next sign-in
    await page.goto(new URL('/sign-in', baseUrl).toString());
    await expect.poll(() => notice.count()).toBe(1);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/learning$/);
    expect(await notice.count()).toBe(0);
    // forgotten: an ordinary sign-out afterwards explains nothing
    await page.goto(new URL('/sign-in', baseUrl).toString());
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByLabel('Email').count()).toBe(1);
    expect(await page.getByTestId('revoked-notice').count()).toBe(0);
    await page.context().close();
  });
});
