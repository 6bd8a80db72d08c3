import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CourseProgressSchema, type SessionResponse } from '@learnlive/contracts';
import { launchChromium, waitFor } from '@learnlive/testing';
import { generateSource } from '@learnlive/transcoder';
import { register as registerAccount, request, signedInPage } from './support.js';

/*
 * Recorded lessons in Chromium against the whole system (globalSetup: embedded defaults): the
 * instructor uploads through the page (tus, progress bar, resumed after a reload on a slow
 * link), the transcoder publishes the ladder, and an enrolled learner plays it with hls.js,
 * switches quality, resumes at the saved position, and the API records the progress.
 */
describe('recorded lessons in the browser', () => {
  const baseUrl = inject('baseUrl').replace(/\/$/, '');
  let browser: Browser;
  let dir: string;
  let source: string;
  let instructor: SessionResponse;
  let learner: SessionResponse;
  let stranger: SessionResponse;
  let courseId: string;
  let lessonId: string;

  const api = (method: string, path: string, token: string | undefined, body?: unknown) =>
    request(baseUrl, method, path, token, body);
  const register = (name: string, role: 'learner' | 'instructor') => registerAccount(baseUrl, name, role);
  const pageAs = (session: SessionResponse) =>
    signedInPage(browser, baseUrl, session, { viewport: { width: 1280, height: 900 } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lessons-e2e-'));
    source = join(dir, 'lesson.mp4');
    // Two rungs (480p, 360p) to switch between; long enough to resume in the middle.
    await generateSource('ffmpeg', source, { width: 854, height: 480, fps: 30, seconds: 16, audio: true });
    instructor = await register('ines', 'instructor');
    learner = await register('leo', 'learner');
    stranger = await register('sam', 'learner');
    const course = await api('POST', '/api/courses', instructor.accessToken, { title: 'Recorded course' });
    expect(course.status).toBe(201);
    courseId = (course.body as { id: string }).id;
    const mod = await api('POST', `/api/courses/${courseId}/modules`, instructor.accessToken, {
      title: 'Week 1',
    });
    const moduleId = (mod.body as { id: string }).id;
    const lesson = await api('POST', `/api/modules/${moduleId}/lessons`, instructor.accessToken, {
      title: 'Welcome',
      kind: 'video',
    });
    lessonId = (lesson.body as { id: string }).id;
    expect((await api('POST', `/api/courses/${courseId}/publish`, instructor.accessToken)).status).toBe(200);
    expect(
      (await api('POST', `/api/courses/${courseId}/enrollment`, learner.accessToken)).status,
    ).toBeLessThan(300);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the instructor uploads on a slow link, reloads mid-upload, resumes, and sees the video become ready', async () => {
    const page = await pageAs(instructor);
    // ~8 MB at 800 KB/s: several seconds, time to reload in the middle.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 5,
      downloadThroughput: -1,
      uploadThroughput: 800 * 1024,
    });
    await page.goto(`${baseUrl}/lessons/${lessonId}/upload`);
    await page.getByTestId('video-file').setInputFiles(source);
    const percent = async () =>
      Number(((await page.getByTestId('upload-percent').textContent()) ?? '0').replace('%', ''));
    await expect.poll(percent, { timeout: 30_000 }).toBeGreaterThanOrEqual(20);
    await page.reload();
    await page.getByTestId('video-file').setInputFiles(source);
    await expect.poll(() => page.getByText('(resumed)').count()).toBe(1);
    // resumed: the bar starts from where it was, not from zero
    await expect.poll(percent, { timeout: 5_000 }).toBeGreaterThanOrEqual(20);
    await expect.poll(percent, { timeout: 60_000 }).toBe(100);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await expect
      .poll(() => page.getByTestId('video-status').getAttribute('data-status'), { timeout: 90_000 })
      .toBe('ready');
    await expect.poll(() => page.getByTestId('video-status').textContent()).toContain('480p, 360p');
    // the processing stages reached the page live, through the realtime layer
    expect(await page.getByTestId('video-status').getAttribute('data-live')).toBe('true');
    const size = (await stat(source)).size;
    expect(size).toBeGreaterThan(1_000_000);
    await page.close();
  });

  it('a stranger may not get playback URLs', async () => {
    expect((await api('GET', `/api/lessons/${lessonId}/playback`, stranger.accessToken)).status).toBe(403);
    const page = await pageAs(stranger);
    await page.goto(`${baseUrl}/lessons/${lessonId}/watch`);
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/enroll/i);
    await page.close();
  });

  it('the learner plays it, switches quality, reports progress and resumes where they stopped', async () => {
    const captions = await fetch(`${baseUrl}/api/lessons/${lessonId}/captions/en?label=English`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${instructor.accessToken}`, 'content-type': 'text/vtt' },
      body: 'WEBVTT\n\n00:00.000 --> 00:05.000\nWelcome to the course\n',
    });
    expect(captions.status).toBe(204);
    const page = await pageAs(learner);
    // the way in: the Videos page lists the lessons of the learner's courses
    await page.goto(`${baseUrl}/`);
    await page.getByRole('link', { name: 'Videos' }).click();
    await page.getByRole('link', { name: 'Watch' }).first().click();
    // pages load on first visit (route-level code splitting): the URL changes once the chunk is in
    await page.waitForURL(`${baseUrl}/lessons/${lessonId}/watch`);
    const video = page.getByTestId('lesson-video');
    await video.waitFor();
    await expect
      .poll(() => page.locator('[data-testid="quality"] option').count(), { timeout: 20_000 })
      .toBe(3);
    await page.evaluate(
      '(() => { const v = document.querySelector("video"); v.muted = true; return v.play(); })()',
    );
    const currentTime = () => page.evaluate<number>('document.querySelector("video").currentTime');
    await expect.poll(currentTime, { timeout: 20_000 }).toBeGreaterThan(1.5);

    // captions are offered, and the storyboard previews the scrub position
    expect(await page.evaluate<number>('document.querySelector("video").textTracks.length')).toBe(1);
    expect(await page.evaluate<string>('document.querySelector("video").textTracks[0].label')).toBe(
      'English',
    );
    const scrub = page.getByTestId('scrub');
    const box = (await scrub.boundingBox())!;
    await expect
      .poll(async () => {
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        return page.getByTestId('storyboard-preview').count();
      })
      .toBe(1);
    expect(await page.getByTestId('storyboard-preview').getAttribute('style')).toMatch(
      /storyboard\/sb_001\.jpg/,
    );

    // pick the 360p rung by hand: hls.js switches and keeps playing
    const options = await page.locator('[data-testid="quality"] option').allTextContents();
    const low = options.indexOf('360p') - 1;
    await page.getByTestId('quality').selectOption(String(low));
    await expect
      .poll(() => page.getByTestId('playing-level').getAttribute('data-level'), { timeout: 20_000 })
      .toBe(String(low));
    const heightAfterSwitch = async () =>
      page.evaluate<number>('document.querySelector("video").videoHeight');
    await expect.poll(heightAfterSwitch, { timeout: 20_000 }).toBe(360);
    const before = await currentTime();
    await expect.poll(currentTime, { timeout: 20_000 }).toBeGreaterThan(before + 1);

    // pausing reports the position and the spans watched
    await page.evaluate('document.querySelector("video").pause()');
    const paused = await currentTime();
    const progress = async () => {
      const res = await api('GET', `/api/courses/${courseId}/progress`, learner.accessToken);
      return CourseProgressSchema.parse(res.body).lessons.find((l) => l.lessonId === lessonId);
    };
    const saved = await waitFor(
      async () => {
        const p = await progress();
        return p && Math.abs(p.positionSeconds - paused) < 0.5 ? p : undefined;
      },
      { timeoutMs: 10_000, what: 'the progress report' },
    );
    expect(saved.watchedSeconds).toBeGreaterThan(2);
    await page.close();

    // a new visit starts where the last one stopped
    const again = await pageAs(learner);
    await again.goto(`${baseUrl}/lessons/${lessonId}/watch`);
    await again.getByTestId('resumed-at').waitFor({ timeout: 20_000 });
    await expect
      .poll(() => again.evaluate<number>('document.querySelector("video").currentTime'), { timeout: 20_000 })
      .toBeGreaterThan(saved.positionSeconds - 0.5);
    await again.close();
  });

  it('a damaged upload shows the instructor why it cannot be used', async () => {
    const mod = await api('POST', `/api/courses/${courseId}/modules`, instructor.accessToken, {
      title: 'Week 2',
    });
    const lesson = await api(
      'POST',
      `/api/modules/${(mod.body as { id: string }).id}/lessons`,
      instructor.accessToken,
      {
        title: 'Broken',
        kind: 'video',
      },
    );
    const broken = join(dir, 'broken.mp4');
    await writeFile(broken, Buffer.alloc(300_000, 7));
    const page = await pageAs(instructor);
    await page.goto(`${baseUrl}/lessons/${(lesson.body as { id: string }).id}/upload`);
    await page.getByTestId('video-file').setInputFiles(broken);
    await expect
      .poll(() => page.getByTestId('video-status').getAttribute('data-status'), { timeout: 60_000 })
      .toBe('failed');
    expect(await page.getByTestId('failure-reason').textContent()).toMatch(/could not be read as a video/);
    await page.close();
  });
});
