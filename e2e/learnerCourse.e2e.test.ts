import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LessonVideoSchema, type SessionResponse } from '@learnlive/contracts';
import { launchChromium, waitFor } from '@learnlive/testing';
import { generateSource } from '@learnlive/transcoder';
import { register, request, signedInPage, uniqueWord } from './support.js';

/*
 * The learner's way through a course in Chromium, clicking only after the first page load:
 * catalog → course → enrol → Start → video lesson → Next → text lesson (Markdown rendered, its
 * <script> not run) → mark complete (the mark updates live) → back to My learning.
 */
const CHUNK = 64 * 1024;

describe('a learner goes through a course by clicking', () => {
  const baseUrl = inject('baseUrl').replace(/\/$/, '');
  let browser: Browser;
  let dir: string;
  let instructor: SessionResponse;
  let learner: SessionResponse;
  const title = `Course ${uniqueWord()}`;
  let courseId: string;
  let videoLesson: string;
  let textLesson: string;

  const api = (method: string, path: string, token: string | undefined, body?: unknown) =>
    request(baseUrl, method, path, token, body);

  /** The tus creation request, then the file in PATCHes (tus 1.0.0 core protocol). */
  async function uploadVideo(lessonId: string, file: Buffer) {
    const meta = { lessonId, filename: 'lesson.mp4', filetype: 'video/mp4' };
    const created = await fetch(`${baseUrl}/api/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${instructor.accessToken}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(file.length),
        'upload-metadata': Object.entries(meta)
          .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
          .join(','),
      },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const location = new URL(created.headers.get('location')!, baseUrl);
    // in chunks the API's body limit accepts
    for (let offset = 0; offset < file.length; offset += CHUNK) {
      const sent = await fetch(location, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${instructor.accessToken}`,
          'tus-resumable': '1.0.0',
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body: file.subarray(offset, offset + CHUNK),
      });
      expect(sent.status, await sent.clone().text()).toBe(204);
    }
    await waitFor(
      async () => {
        const res = await api('GET', `/api/lessons/${lessonId}/video`, instructor.accessToken);
        const video = LessonVideoSchema.parse(res.body);
        if (video.status === 'failed') throw new Error(`transcoding failed: ${video.failureReason}`);
        return video.status === 'ready' ? video : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: 'the lesson video to be ready' },
    );
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'learner-e2e-'));
    const source = join(dir, 'lesson.mp4');
    await generateSource('ffmpeg', source, { width: 640, height: 360, fps: 25, seconds: 4, audio: true });
    instructor = await register(baseUrl, 'Inès', 'instructor');
    learner = await register(baseUrl, 'Léo', 'learner');
    const course = await api('POST', '/api/courses', instructor.accessToken, { title });
    expect(course.status).toBe(201);
    courseId = (course.body as { id: string }).id;
    const mod = await api('POST', `/api/courses/${courseId}/modules`, instructor.accessToken, {
      title: 'Week 1',
    });
    const moduleId = (mod.body as { id: string }).id;
    const lesson = async (body: Record<string, unknown>) => {
      const res = await api('POST', `/api/modules/${moduleId}/lessons`, instructor.accessToken, body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return (res.body as { id: string }).id;
    };
    videoLesson = await lesson({ title: 'Watch this first', kind: 'video' });
    textLesson = await lesson({
      title: 'Read this next',
      kind: 'text',
      body: [
        '# Notes on the video',
        '',
        'Some **bold** words and a [link](https://example.org).',
        '',
        '<script>window.__pwned = "script"</script>',
        '<img src="x" onerror="window.__pwned = \'onerror\'">',
      ].join('\n'),
    });
    await uploadVideo(videoLesson, await readFile(source));
    expect((await api('POST', `/api/courses/${courseId}/publish`, instructor.accessToken)).status).toBe(200);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const pwned = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as { __pwned?: string }).__pwned ?? null);

  it('catalog → course → enrol → Start → video → Next → text → My learning', async () => {
    const page = await signedInPage(browser, baseUrl, learner, { viewport: { width: 1366, height: 800 } });
    await page.goto(`${baseUrl}/courses`);
    await page.getByRole('link', { name: title }).click();
    await page.getByRole('button', { name: 'Enroll for free' }).click();
    await page.getByTestId('continue').filter({ hasText: 'Start' }).click();

    // the video lesson, with its title, its player and no way back before it
    await expect.poll(() => page.getByTestId('lesson-title').textContent()).toBe('Watch this first');
    expect(page.url()).toContain(`/lessons/${videoLesson}`);
    await page.getByTestId('lesson-video').waitFor();
    expect(await page.locator('a[rel=prev]').count()).toBe(0);

    await page.getByRole('link', { name: /Next lesson/ }).click();
    await expect.poll(() => page.getByTestId('lesson-title').textContent()).toBe('Read this next');
    expect(page.url()).toContain(`/lessons/${textLesson}`);
    const text = page.getByTestId('lesson-text');
    expect(await text.locator('h1').textContent()).toBe('Notes on the video');
    expect(await text.locator('strong').textContent()).toBe('bold');
    // sanitised: neither the script nor the handler made it into the page, and neither ran
    expect(await text.locator('script').count()).toBe(0);
    expect(await text.locator('img').getAttribute('onerror')).toBeNull();
    expect(await pwned(page)).toBeNull();

    // marking it complete: the mark in the outline follows through the realtime event
    const mark = page.locator(`[data-testid=outline-lesson]`).filter({ hasText: 'Read this next' });
    expect(await mark.getAttribute('data-completed')).toBe('false');
    await page.getByRole('button', { name: 'Mark as complete' }).click();
    await expect.poll(() => mark.getAttribute('data-completed'), { timeout: 15_000 }).toBe('true');
    await page.getByTestId('lesson-completed').waitFor();

    await page.getByRole('link', { name: 'Back to my learning' }).click();
    const item = page.locator('.learning li').filter({ hasText: title });
    await expect.poll(() => item.textContent()).toContain('50% complete');
    // Continue leads back to the unfinished video
    expect(await item.getByTestId('continue').textContent()).toBe('Continue');
    await item.getByTestId('continue').click();
    await expect.poll(() => page.getByTestId('lesson-title').textContent()).toBe('Watch this first');
    expect(await pwned(page)).toBeNull();
    await page.close();
  });

  it('fits a 360 px phone without horizontal scrolling on every page of the way', async () => {
    const shots = process.env.E2E_SCREENSHOT_DIR;
    const lessonTitle = '[data-testid=lesson-title]';
    // each page's path and what shows once its data is in
    const pages: Record<string, [string, string]> = {
      course: [`/courses/${courseId}`, '[data-testid=outline-lesson]'],
      video: [`/courses/${courseId}/lessons/${videoLesson}`, lessonTitle],
      text: [`/courses/${courseId}/lessons/${textLesson}`, lessonTitle],
      learning: ['/learning', '.learning li'],
    };
    for (const viewport of [
      { width: 1366, height: 800 },
      { width: 390, height: 844 },
      { width: 360, height: 740 },
    ]) {
      const page = await signedInPage(browser, baseUrl, learner, { viewport });
      for (const [name, [path, ready]] of Object.entries(pages)) {
        await page.goto(`${baseUrl}${path}`);
        await page.locator(ready).first().waitFor();
        const overflow = await page.evaluate(() => {
          const root = (
            globalThis as unknown as {
              document: { documentElement: { scrollWidth: number; clientWidth: number } };
            }
          ).document.documentElement;
          return root.scrollWidth - root.clientWidth;
        });
        expect(overflow, `${name} at ${viewport.width} px`).toBeLessThanOrEqual(0);
        if (shots)
          await page.screenshot({ path: join(shots, `${name}-${viewport.width}.png`), fullPage: true });
      }
      await page.close();
    }
  });
});
