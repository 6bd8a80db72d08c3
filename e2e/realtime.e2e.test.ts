import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  CourseDetailSchema,
  ModuleSchema,
  SessionResponseSchema,
  type SessionResponse,
} from '@learnlive/contracts';
import { launchChromium } from '@learnlive/testing';
import { postJson, uniqueWord } from './support.js';

const baseUrl = inject('baseUrl');

const api = <T>(path: string, parse: (body: unknown) => T, init?: { token?: string; body?: unknown }) =>
  postJson(baseUrl, path, parse, init);

const word = uniqueWord;

const register = (name: string, role: 'instructor' | 'learner') =>
  api('/api/auth/register', (b) => SessionResponseSchema.parse(b), {
    body: {
      email: `${role}-${word()}@example.org`,
      password: 'correct horse battery',
      displayName: name,
      role,
    },
  });

/**
 * Community chat in two Chromium pages against the whole system: room tokens come from the
 * API's real endpoint (entitlement: enrolled learner → member, the course's instructor →
 * moderator), messages travel through the realtime layer, and a moderator's delete disappears
 * from the other page.
 */
describe('community chat in the browser', () => {
  let browser: Browser;
  let room: string;
  let teacher: SessionResponse;
  let learner: SessionResponse;

  beforeAll(async () => {
    teacher = await register('Grace Teacher', 'instructor');
    const course = await api('/api/courses', (b) => CourseDetailSchema.parse(b), {
      token: teacher.accessToken,
      body: { title: `Chat ${word()}`, summary: 'A course with a community', domain: 'crafts' },
    });
    const mod = await api(`/api/courses/${course.id}/modules`, (b) => ModuleSchema.parse(b), {
      token: teacher.accessToken,
      body: { title: 'Intro' },
    });
    await api(`/api/modules/${mod.id}/lessons`, (b) => b, {
      token: teacher.accessToken,
      body: { title: 'Hello', kind: 'text', body: 'Hi.' },
    });
    await api(`/api/courses/${course.id}/publish`, (b) => b, { token: teacher.accessToken });
    learner = await register('Lin Learner', 'learner');
    await api(`/api/courses/${course.id}/enrollment`, (b) => b, { token: learner.accessToken });
    room = `course:${course.id}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(session: SessionResponse): Promise<Page> {
    const context = await browser.newContext();
    await context.addInitScript(
      (value) =>
        (
          globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }
        ).localStorage.setItem('learnlive.session', value),
      JSON.stringify({
        accessToken: session.accessToken,
        user: { id: session.user.id, role: session.user.role, name: session.user.displayName },
      }),
    );
    const page = await context.newPage();
    await page.goto(new URL(`/community/chat?room=${room}`, baseUrl).toString());
    return page;
  }

  const messages = (page: Page) => page.getByRole('list', { name: 'Messages' }).locator('.chat-text');

  it('two people chat; a moderator deletes a message and it disappears on the other page', async () => {
    const learnerPage = await open(learner);
    const teacherPage = await open(teacher);
    for (const page of [learnerPage, teacherPage]) {
      await expect
        .poll(() => page.getByLabel('Message', { exact: true }).isEnabled(), { timeout: 15_000 })
        .toBe(true);
    }
    await expect
      .poll(() => learnerPage.getByTestId('presence').locator('li').allTextContents())
      .toEqual(expect.arrayContaining(['Grace Teacher', 'Lin Learner']));

    await learnerPage.getByLabel('Message', { exact: true }).fill('Hello from the learner');
    await learnerPage.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => messages(teacherPage).allTextContents()).toContain('Hello from the learner');

    await teacherPage.getByLabel('Message', { exact: true }).fill('Welcome to the course');
    await teacherPage.getByRole('button', { name: 'Send' }).click();
    await expect
      .poll(() => messages(learnerPage).allTextContents())
      .toEqual(['Hello from the learner', 'Welcome to the course']);

    await learnerPage.getByLabel('Message', { exact: true }).fill('Something rude');
    await learnerPage.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => messages(teacherPage).allTextContents()).toContain('Something rude');

    // the learner may not delete the teacher's message: no button for it
    const welcome = learnerPage.locator('.chat-message', { hasText: 'Welcome to the course' });
    expect(await welcome.getByRole('button', { name: /Delete/ }).count()).toBe(0);

    const rude = teacherPage.locator('.chat-message', { hasText: 'Something rude' });
    await rude.getByRole('button', { name: /Delete/ }).click();
    await expect
      .poll(() => messages(learnerPage).allTextContents())
      .toEqual(['Hello from the learner', 'Welcome to the course']);
    await expect.poll(() => messages(teacherPage).allTextContents()).not.toContain('Something rude');

    // and from history: a reload does not bring it back
    await learnerPage.reload();
    await expect
      .poll(() => messages(learnerPage).allTextContents(), { timeout: 15_000 })
      .toEqual(['Hello from the learner', 'Welcome to the course']);
  });
});
