import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CourseDetailSchema, ModuleSchema, type SessionResponse } from '@learnlive/contracts';
import { launchChromium } from '@learnlive/testing';
import { postJson, register as registerAccount, signedInPage, uniqueWord } from './support.js';

const baseUrl = inject('baseUrl');

const api = <T>(path: string, parse: (body: unknown) => T, init?: { token?: string; body?: unknown }) =>
  postJson(baseUrl, path, parse, init);

const word = uniqueWord;

const register = (name: string, role: 'instructor' | 'learner', email?: string) =>
  registerAccount(baseUrl, name, role, email);

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
  let spammer: SessionResponse;
  let admin: SessionResponse;

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
    spammer = await register('Sam Spammer', 'learner');
    await api(`/api/courses/${course.id}/enrollment`, (b) => b, { token: spammer.accessToken });
    // ADMIN_EMAILS (e2e/globalSetup.ts) makes this sign-up an admin
    admin = await register('Ada Admin', 'learner', 'e2e-admin@example.org');
    expect(admin.user.role).toBe('admin');
    room = `course:${course.id}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(session: SessionResponse, path = `/community/chat?room=${room}`): Promise<Page> {
    const page = await signedInPage(browser, baseUrl, session);
    await page.goto(new URL(path, baseUrl).toString());
    return page;
  }

  const joined = (page: Page) =>
    expect
      .poll(() => page.getByLabel('Message', { exact: true }).isEnabled(), { timeout: 15_000 })
      .toBe(true);

  const say = async (page: Page, text: string) => {
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  };

  /** Both people in the room, the first says `text`; returns the pages and it on the second. */
  async function saidTo(speaker: SessionResponse, listener: SessionResponse, text: string) {
    const speakerPage = await open(speaker);
    const listenerPage = await open(listener);
    await Promise.all([joined(speakerPage), joined(listenerPage)]);
    await say(speakerPage, text);
    const heard = listenerPage.locator('.chat-message', { hasText: text });
    await expect.poll(() => heard.count(), { timeout: 10_000 }).toBe(1);
    return { speakerPage, listenerPage, heard };
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

  it('reactions: one page reacts, the other sees the count change', async () => {
    const { speakerPage: teacherPage, heard: onLearner } = await saidTo(
      teacher,
      learner,
      'React to this one',
    );
    const onTeacher = teacherPage.locator('.chat-message', { hasText: 'React to this one' });
    const thumbs = (m: typeof onLearner) => m.getByRole('button', { name: 'React 👍' });

    await thumbs(onLearner).click();
    await expect.poll(() => thumbs(onTeacher).textContent()).toBe('👍 1');
    expect(await thumbs(onLearner).getAttribute('aria-pressed')).toBe('true');
    expect(await thumbs(onTeacher).getAttribute('aria-pressed')).toBe('false');

    await thumbs(onTeacher).click();
    await expect.poll(() => thumbs(onLearner).textContent()).toBe('👍 2');
    await thumbs(onLearner).click(); // take it back
    await expect.poll(() => thumbs(onTeacher).textContent()).toBe('👍 1');
    await expect.poll(() => thumbs(onLearner).getAttribute('aria-pressed')).toBe('false');
  });

  it('moderation console: an admin sees a report, mutes and bans, and the audit log shows it', async () => {
    const {
      speakerPage: spammerPage,
      listenerPage: learnerPage,
      heard: spam,
    } = await saidTo(spammer, learner, 'Buy cheap watches');
    learnerPage.once('dialog', (dialog) => void dialog.accept('advertising'));
    await spam.getByRole('button', { name: 'Report' }).click();

    const console_ = await open(admin, `/community/moderation?room=${encodeURIComponent(room)}`);
    const reports = console_.getByRole('list', { name: 'Reports' });
    await expect
      .poll(() => reports.textContent(), { timeout: 15_000 })
      .toMatch(/Buy cheap watches.*by Sam Spammer.*advertising/);

    await console_.getByLabel('User id').fill(spammer.user.id);
    await console_.getByLabel('Duration (seconds)').fill('600');
    await console_.getByLabel('Reason').fill('spamming');
    await console_.getByRole('button', { name: 'Mute', exact: true }).click();
    await expect
      .poll(() => console_.getByRole('list', { name: 'Muted' }).textContent())
      .toContain(spammer.user.id);
    // enforced: the muted learner's next message is refused
    await say(spammerPage, 'Still selling');
    await expect
      .poll(() => spammerPage.getByRole('alert').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringMatching(/muted until/)]));

    await console_.getByRole('button', { name: 'Ban permanently' }).click();
    await expect
      .poll(() => console_.getByRole('list', { name: 'Banned' }).textContent())
      .toContain(spammer.user.id);
    await expect
      .poll(() => spammerPage.getByRole('alert').allTextContents())
      .toEqual(expect.arrayContaining(['You were banned from this room.']));

    // the report's message goes, for everyone, and the report is resolved
    await reports.getByRole('button', { name: 'Delete message' }).click();
    await expect.poll(() => spam.count()).toBe(0);
    await expect.poll(() => reports.textContent()).not.toContain('Buy cheap watches');

    const audit = console_.getByTestId('audit').locator('tbody tr');
    await expect
      .poll(async () => (await audit.allInnerTexts()).map((row) => row.split('\t').slice(1).join(' | ')))
      .toEqual(
        expect.arrayContaining([
          `${admin.user.id} | mute | ${spammer.user.id} | spamming`,
          `${admin.user.id} | ban | ${spammer.user.id} | spamming`,
          `${admin.user.id} | delete | ${spammer.user.id} | advertising`,
          `${admin.user.id} | resolve_report | — | `,
        ]),
      );
  });
});
