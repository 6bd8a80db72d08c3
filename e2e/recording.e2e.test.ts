import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PlaybackSchema, type SessionResponse } from '@learnlive/contracts';
import type { System } from '@learnlive/all-in-one';
import { launchChromium } from '@learnlive/testing';
import {
  register as registerAccount,
  request,
  roomToken,
  signedInPage,
  startTestSystemWithKnownSecret,
  uniqueWord,
} from './support.js';

const run = promisify(execFile);

interface PageGlobals {
  __media: {
    state: {
      peerId?: string;
      recording: { active: boolean; lessonId: string | null; byPeerId: string | null };
    };
  };
}

/*
 * A teacher records a live class in Chromium (fake camera and microphone) against the whole
 * system from globalSetup: the API makes the lesson, media records with ffmpeg, the file goes
 * to object storage and through the transcoder's queue, and the lesson plays as HLS.
 */
describe('recording and streaming a live class in the browser', () => {
  const baseUrl = inject('baseUrl').replace(/\/$/, '');
  let browser: Browser;
  let teacher: SessionResponse;
  let learner: SessionResponse;
  let liveClassId: string;

  const api = (method: string, path: string, token: string | undefined, body?: unknown) =>
    request(baseUrl, method, path, token, body);
  const register = (role: 'learner' | 'instructor') => registerAccount(baseUrl, uniqueWord(), role);

  /** The live room page, signed in as `session` (the page asks the API for its room token). */
  async function liveRoom(session: SessionResponse): Promise<Page> {
    const page = await signedInPage(browser, baseUrl, session);
    await page.goto(`${baseUrl}/live/${liveClassId}`);
    await page.getByTestId('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    return page;
  }

  beforeAll(async () => {
    browser = await launchChromium();
    teacher = await register('instructor');
    learner = await register('learner');
    const course = await api('POST', '/api/courses', teacher.accessToken, { title: 'Recorded live course' });
    expect(course.status).toBe(201);
    const courseId = (course.body as { id: string }).id;
    const mod = await api('POST', `/api/courses/${courseId}/modules`, teacher.accessToken, {
      title: 'Week 1',
    });
    const moduleId = (mod.body as { id: string }).id;
    await api('POST', `/api/modules/${moduleId}/lessons`, teacher.accessToken, {
      title: 'Welcome',
      kind: 'video',
    });
    expect((await api('POST', `/api/courses/${courseId}/publish`, teacher.accessToken)).status).toBe(200);
    expect(
      (await api('POST', `/api/courses/${courseId}/enrollment`, learner.accessToken)).status,
    ).toBeLessThan(300);
    // Starts in 5 minutes: learners may join from 15 minutes before.
    const live = await api('POST', `/api/courses/${courseId}/live-classes`, teacher.accessToken, {
      title: 'Fractions',
      startsAt: new Date(Date.now() + 5 * 60_000).toISOString(),
    });
    expect(live.status, JSON.stringify(live.body)).toBe(201);
    liveClassId = (live.body as { id: string }).id;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the teacher records, turns the camera off and on, reloads the page, stops; everyone sees the indicator; the lesson becomes ready and plays as HLS', async () => {
    const page = await liveRoom(teacher);
    const watcher = await liveRoom(learner);
    await page.getByRole('button', { name: 'Start camera' }).click();
    await page.getByRole('button', { name: 'Start microphone' }).click();
    await page.getByTestId('local-video').waitFor();
    // The microphone is published (its Mute button shows): the recording takes both sources.
    await page.locator('.live-controls').getByRole('button', { name: 'Mute', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Record', exact: true }).click();
    await page.getByTestId('recording-indicator').waitFor({ timeout: 15_000 });
    await watcher.getByTestId('recording-indicator').waitFor({ timeout: 15_000 });
    const lessonId = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).__media.state.recording.lessonId,
    );
    expect(lessonId).toBeTruthy();
    await page.waitForTimeout(5000);
    // Camera off and on again: the recording goes on with the new camera (a second part).
    await page.getByRole('button', { name: 'Stop camera' }).click();
    await page.getByRole('button', { name: 'Start camera' }).click();
    await page.getByTestId('local-video').waitFor();
    await page.waitForTimeout(6000);
    // The teacher reloads the page: the recording waits for them (the page shows it running and
    // names the new peer) and goes on in a third part once camera and microphone are back.
    await page.reload();
    await page.getByTestId('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Stop recording' }).waitFor({ timeout: 15_000 });
    await watcher.getByTestId('recording-indicator').waitFor();
    const recordingPeer = () =>
      page.evaluate(() => {
        const { state } = (globalThis as unknown as PageGlobals).__media;
        return state.recording.active && state.recording.byPeerId === state.peerId;
      });
    expect(await recordingPeer()).toBe(true);
    await page.getByRole('button', { name: 'Start camera' }).click();
    await page.getByRole('button', { name: 'Start microphone' }).click();
    await page.getByTestId('local-video').waitFor();
    await page.locator('.live-controls').getByRole('button', { name: 'Mute', exact: true }).waitFor();
    await page.waitForTimeout(8000);
    expect(await recordingPeer()).toBe(true);
    await page.getByRole('button', { name: 'Stop recording' }).click();
    await page.getByTestId('recording-indicator').waitFor({ state: 'detached', timeout: 15_000 });
    await watcher.getByTestId('recording-indicator').waitFor({ state: 'detached', timeout: 15_000 });
    await expect
      .poll(() => page.getByTestId('recording-message').textContent())
      .toContain('Recording stopped.');

    // The media service uploads and queues it; the transcoder makes the ladder.
    await expect
      .poll(
        async () => {
          const video = await api('GET', `/api/lessons/${lessonId}/video`, teacher.accessToken);
          return (video.body as { status?: string }).status;
        },
        { timeout: 90_000, interval: 1000 },
      )
      .toBe('ready');
    const playback = await api('GET', `/api/lessons/${lessonId}/playback`, learner.accessToken);
    expect(playback.status, JSON.stringify(playback.body)).toBe(200);
    const { masterUrl, durationSeconds } = PlaybackSchema.parse(playback.body);
    // Three parts of about 5, 6 and 8 s (the time the reload took is not in it); without the
    // third it would be about 11 s.
    expect(durationSeconds).toBeGreaterThan(15);
    expect(durationSeconds).toBeLessThan(35);
    // The HLS ladder decodes end to end through the signed URLs (ffmpeg reads every segment).
    const { stderr } = await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      `${baseUrl}${masterUrl}`,
      '-map',
      '0:v:0',
      '-f',
      'null',
      '-',
    ]);
    expect(stderr).not.toMatch(/Invalid data|error/i);
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_type',
      '-of',
      'csv=p=0',
      `${baseUrl}${masterUrl}`,
    ]);
    expect(stdout).toContain('video');
    expect(stdout).toContain('audio');
    // The second camera's video runs to the end of the lesson.
    const { stdout: packets } = await run('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0'],
      `${baseUrl}${masterUrl}`,
    ]);
    const times = packets.trim().split('\n').map(Number);
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(durationSeconds - 2);
    await watcher.context().close();
    await page.context().close();
  });

  it('a learner watches the class as a stream: hls.js plays the live HLS without a seat in the SFU', async () => {
    const page = await liveRoom(teacher);
    await page.getByRole('button', { name: 'Start camera' }).click();
    await page.getByRole('button', { name: 'Start microphone' }).click();
    await page.getByTestId('local-video').waitFor();
    const viewer = await liveRoom(learner);
    await viewer.getByTestId('watch-stream').click();
    await viewer.getByTestId('live-stream').and(viewer.locator('[data-status="playing"]')).waitFor({
      timeout: 45_000,
    });
    // Frames are decoded and time advances (the playlist keeps sliding while the teacher is live).
    const playback = () =>
      viewer.evaluate(() => {
        const video = (
          globalThis as unknown as { document: { querySelector(s: string): unknown } }
        ).document.querySelector('[data-testid="live-stream"] video') as {
          currentTime: number;
          getVideoPlaybackQuality(): { totalVideoFrames: number };
        };
        return { time: video.currentTime, frames: video.getVideoPlaybackQuality().totalVideoFrames };
      });
    await expect.poll(async () => (await playback()).frames, { timeout: 30_000 }).toBeGreaterThan(40);
    const before = await playback();
    await expect
      .poll(async () => (await playback()).time, { timeout: 20_000 })
      .toBeGreaterThan(before.time + 3);
    // The viewer took no seat: the teacher's page lists no participant besides itself.
    await expect
      .poll(() => page.getByTestId('participants').locator('li').count(), { timeout: 15_000 })
      .toBe(0);
    await viewer.context().close();
    await page.context().close();
  });
});

/*
 * Beyond the configured audience (MEDIA_ROOM_CAPACITY) a learner gets no seat in the SFU and
 * watches the class as a stream instead. Its own small system: capacity 2, a known secret so
 * the pages get signed room tokens in their URL.
 */
describe('a full live class is watched as a stream', () => {
  let system: System;
  let browser: Browser;

  beforeAll(async () => {
    system = await startTestSystemWithKnownSecret('full-e2e', { MEDIA_ROOM_CAPACITY: '2' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  async function open(id: string, role: 'teacher' | 'learner', name: string): Promise<Page> {
    const token = roomToken(`live:${id}`, role, name);
    const page = await (await browser.newContext()).newPage();
    await page.goto(new URL(`/live/${id}?token=${token}`, system.url).href);
    return page;
  }

  it('the third participant of a two-seat class is switched to the stream and plays it', async () => {
    const id = randomUUID();
    const teacher = await open(id, 'teacher', 'Teacher');
    await teacher.getByTestId('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await teacher.getByRole('button', { name: 'Start camera' }).click();
    await teacher.getByRole('button', { name: 'Start microphone' }).click();
    await teacher.getByTestId('local-video').waitFor();
    const seated = await open(id, 'learner', 'Ada');
    await seated.getByTestId('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });

    const late = await open(id, 'learner', 'Bob');
    await late.getByTestId('live-stream').and(late.locator('[data-status="playing"]')).waitFor({
      timeout: 45_000,
    });
    const frames = () =>
      late.evaluate(
        () =>
          (
            (
              globalThis as unknown as { document: { querySelector(s: string): unknown } }
            ).document.querySelector('[data-testid="live-stream"] video') as {
              getVideoPlaybackQuality(): { totalVideoFrames: number };
            }
          ).getVideoPlaybackQuality().totalVideoFrames,
      );
    await expect.poll(frames, { timeout: 30_000 }).toBeGreaterThan(40);
    // The seated learner kept its seat.
    expect(await seated.getByTestId('status').textContent()).toBe('Connected');
    for (const page of [late, seated, teacher]) await page.context().close();
  });
});
