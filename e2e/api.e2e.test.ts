import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CourseDetailSchema, ModuleSchema, SessionResponseSchema } from '@learnlive/contracts';
import { launchChromium } from '@learnlive/testing';
import { postJson, uniqueWord } from './support.js';

const baseUrl = inject('baseUrl');

const api = <T>(path: string, parse: (body: unknown) => T, init?: { token?: string; body?: unknown }) =>
  postJson(baseUrl, path, parse, init);

const word = uniqueWord;

describe('learner journey in the browser', () => {
  let browser: Browser;
  let title: string;
  let keyword: string;

  beforeAll(async () => {
    // an instructor publishes a free course through the API
    const teacher = await api('/api/auth/register', (b) => SessionResponseSchema.parse(b), {
      body: {
        email: `teacher-${word()}@example.org`,
        password: 'correct horse battery',
        displayName: 'Grace Teacher',
        role: 'instructor',
      },
    });
    keyword = word();
    title = `Origami ${keyword} fundamentals`;
    const course = await api('/api/courses', (b) => CourseDetailSchema.parse(b), {
      token: teacher.accessToken,
      body: { title, summary: 'Folding paper, step by step', domain: 'crafts' },
    });
    const mod = await api(`/api/courses/${course.id}/modules`, (b) => ModuleSchema.parse(b), {
      token: teacher.accessToken,
      body: { title: 'First folds' },
    });
    await api(`/api/modules/${mod.id}/lessons`, (b) => b, {
      token: teacher.accessToken,
      body: { title: 'The valley fold', kind: 'text', body: 'Fold towards you.' },
    });
    await api(`/api/courses/${course.id}/publish`, (b) => b, { token: teacher.accessToken });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('signs up, finds a course by search, enrolls in it and sees it in my learning', async () => {
    const page = await browser.newPage();
    await page.goto(new URL('/sign-up', baseUrl).toString());
    await page.getByLabel('Name').fill('Lin Learner');
    await page.getByLabel('Email').fill(`learner-${word()}@example.org`);
    await page.getByLabel('Password (at least 10 characters)').fill('a long enough password');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(/\/courses$/);

    await page.getByLabel('Search').fill(keyword);
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('list', { name: 'Courses' }).getByRole('link');
    await expect.poll(() => results.allTextContents()).toEqual([title]);
    await results.first().click();

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(title);
    await expect.poll(() => page.getByText('The valley fold').count()).toBe(1);
    await page.getByRole('button', { name: 'Enroll for free' }).click();
    await expect.poll(() => page.getByTestId('enrolled').isVisible()).toBe(true);

    await page.getByRole('link', { name: 'My learning' }).click();
    const mine = page.getByRole('list', { name: 'My courses' });
    // each course's title is its heading's link (a Continue link follows it)
    await expect.poll(() => mine.getByRole('heading').getByRole('link').allTextContents()).toEqual([title]);
    await expect.poll(() => mine.getByText('0% complete').count()).toBe(1);

    // the session survives a reload (kept by the session store)
    await page.reload();
    await expect
      .poll(() => page.getByRole('list', { name: 'My courses' }).getByRole('heading').count())
      .toBe(1);

    // profile: rename, then end every session
    // the profile is in the account menu, behind the person's name
    await page.getByRole('button', { name: 'Account of Lin Learner' }).click();
    await page.getByRole('menuitem', { name: 'Profile' }).click();
    const profile = page.getByRole('form', { name: 'Profile' });
    await profile.getByLabel('Name').fill('Lin L.');
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Profile saved.');
    await page.getByRole('button', { name: 'Sign out on every device' }).click();
    await page.waitForURL(/\/sign-in$/);
    // signed out, the navigation no longer offers it; an old link or bookmark still leads there
    await expect.poll(() => page.getByRole('link', { name: 'My learning' }).count()).toBe(0);
    await page.goto(new URL('/learning', baseUrl).toString());
    await expect.poll(() => page.getByText('to see your courses').count()).toBe(1);
    await page.close();
  });

  it('lets an instructor sign up, build a course in the editor and publish it to the catalog', async () => {
    const page = await browser.newPage();
    await page.goto(new URL('/sign-up', baseUrl).toString());
    await page.getByLabel('Name').fill('Ines Instructor');
    await page.getByLabel('Email').fill(`instructor-${word()}@example.org`);
    await page.getByLabel('Password (at least 10 characters)').fill('a long enough password');
    await page.getByLabel('I want to').selectOption('instructor');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(/\/teach$/);

    const courseTitle = `Pottery ${word()} wheel`;
    const newCourse = page.getByRole('form', { name: 'New course' });
    await newCourse.getByLabel('Title').fill(courseTitle);
    await newCourse.getByLabel('Summary').fill('Centering clay');
    await newCourse.getByRole('button', { name: 'Create draft' }).click();
    await page.waitForURL(/\/teach\/[0-9a-f-]{36}$/);

    // publishing an empty course is refused, and the page says why
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('at least one lesson');

    const newModule = page.getByRole('form', { name: 'New module' });
    await newModule.getByLabel('Module title').fill('Centering');
    await newModule.getByRole('button', { name: 'Add module' }).click();
    const newLesson = page.getByRole('form', { name: 'New lesson in Centering' });
    await newLesson.getByLabel('Lesson title').fill('Coning up and down');
    await newLesson.getByLabel('Kind').selectOption('text');
    await newLesson.getByLabel('Text (text lessons)').fill('Wet hands, steady wheel.');
    await newLesson.getByRole('button', { name: 'Add lesson' }).click();
    await expect.poll(() => page.getByText('Coning up and down').count()).toBe(1);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('(published)');

    await page.getByRole('link', { name: 'Catalog' }).click();
    await page.getByLabel('Search').fill(courseTitle.split(' ')[1]!);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect
      .poll(() => page.getByRole('list', { name: 'Courses' }).getByRole('link').allTextContents())
      .toEqual([courseTitle]);
    await page.close();
  });
});
