import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { System } from '@learnlive/all-in-one';
import { signToken } from '@learnlive/common';
import type { RoomRole, SessionResponse } from '@learnlive/contracts';
import { launchChromium, waitFor } from '@learnlive/testing';
import { postJson, register, roomToken, signedInPage, startTestSystemWithKnownSecret } from './support.js';

/*
 * Live classes and mentor sessions in Chromium with the fake camera. The pages receive room
 * tokens in their URL: the API's live/mentor resolvers (scheduling) decide entitlement, and
 * this test needs to sign tokens for roles, so it runs its own system with a known JWT secret
 * instead of the shared one from globalSetup (whose secret is generated at start).
 */
/** What the live page exposes for tests (client/src/live/mediaProbe.ts, e2e build only), in the page. */
interface PageGlobals {
  __media: {
    state: {
      peerId?: string;
      role?: RoomRole;
      activeSpeakerPeerId: string | null;
      quality: Record<string, number>;
      local: { camera?: { producerId: string } };
    };
    serverStats(kind: 'producer', id: string): Promise<Array<{ rid?: string; type: string }>>;
    receiveStats(): Promise<{ framesDecoded: number; audioPackets: number; audioEnergy: number }>;
    framesFrom(peerId: string): Promise<number>;
    restartIce(): Promise<void>;
    setPaused(source: 'camera' | 'mic', paused: boolean): Promise<void>;
    transports(): { send?: string; recv?: string };
  };
}

describe('live class and mentor session in the browser', () => {
  let system: System;
  let browser: Browser;

  beforeAll(async () => {
    system = await startTestSystemWithKnownSecret('media-e2e');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  async function open(path: string, room: string, role: RoomRole, name: string): Promise<Page> {
    const token = roomToken(room, role, name);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(new URL(`${path}?token=${token}`, system.url).href);
    await page.getByTestId('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    return page;
  }

  const stats = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as PageGlobals).__media.receiveStats());
  const framesFrom = (page: Page, peerId: string) =>
    page.evaluate((id) => (globalThis as unknown as PageGlobals).__media.framesFrom(id), peerId);
  const peerId = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as PageGlobals).__media.state.peerId!);

  /** Frames decoded from `from` keep growing on `page`. */
  async function receivesVideo(page: Page, from: string, what: string) {
    const start = await framesFrom(page, from);
    await waitFor(async () => (await framesFrom(page, from)) > start + 10, { timeoutMs: 20_000, what });
  }

  it('teacher publishes, learners decode, moderator mutes, ICE restarts, a granted learner speaks, kick', async () => {
    const id = randomUUID();
    const path = `/live/${id}`;
    const room = `live:${id}`;
    const teacher = await open(path, room, 'teacher', 'Teacher');
    await teacher.getByRole('button', { name: 'Start camera' }).click();
    await teacher.getByRole('button', { name: 'Start microphone' }).click();
    await teacher.getByTestId('local-video').waitFor();
    const teacherId = await peerId(teacher);
    // The camera arrives at the server as three simulcast streams.
    const rids = async () =>
      teacher.evaluate(async () => {
        const media = (globalThis as unknown as PageGlobals).__media;
        const stats = await media.serverStats('producer', media.state.local.camera!.producerId);
        return stats.map((s) => s.rid).sort();
      });
    await expect.poll(rids, { timeout: 15_000 }).toEqual(['r0', 'r1', 'r2']);

    const learners = [await open(path, room, 'learner', 'Ada'), await open(path, room, 'learner', 'Bob')];
    for (const learner of learners) {
      await receivesVideo(learner, teacherId, 'learner decodes the teacher');
      const before = await stats(learner);
      await waitFor(async () => (await stats(learner)).audioPackets > before.audioPackets + 20, {
        what: 'learner receives audio',
      });
    }
    // The teacher's (fake, beeping) microphone makes them the active speaker; everyone's
    // connection quality reaches the pages.
    const learnerView = () =>
      learners[0]!.evaluate(() => {
        const { activeSpeakerPeerId, quality } = (globalThis as unknown as PageGlobals).__media.state;
        return { activeSpeakerPeerId, quality };
      });
    await expect
      .poll(async () => (await learnerView()).activeSpeakerPeerId, { timeout: 15_000 })
      .toBe(teacherId);
    await expect
      .poll(async () => (await learnerView()).quality[teacherId], { timeout: 15_000 })
      .toBeGreaterThan(0);

    // A moderator's mute pauses the teacher's producers at the server: frames stop arriving.
    const moderator = await open(path, room, 'moderator', 'Mod');
    await moderator.locator(`[data-peer="${teacherId}"]`).getByTestId('mute').click();
    await teacher.getByTestId('notice').filter({ hasText: 'muted' }).waitFor();
    await learners[0]!.getByText('· paused').first().waitFor();
    await new Promise((resolve) => setTimeout(resolve, 1000)); // frames already in flight
    const stalled = await framesFrom(learners[0]!, teacherId);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await framesFrom(learners[0]!, teacherId)) - stalled).toBeLessThanOrEqual(2);
    await teacher.evaluate(() => (globalThis as unknown as PageGlobals).__media.setPaused('camera', false));
    await receivesVideo(learners[0]!, teacherId, 'frames again after unmute');

    // ICE restart (what a network change triggers): media keeps flowing.
    await learners[0]!.evaluate(() => (globalThis as unknown as PageGlobals).__media.restartIce());
    await receivesVideo(learners[0]!, teacherId, 'frames after ICE restart');

    // Raise hand → the teacher lets Ada speak → Ada publishes → Bob receives her.
    const ada = learners[0]!;
    const adaId = await peerId(ada);
    await ada.getByRole('button', { name: 'Raise hand' }).click();
    await teacher.getByTestId('hands').getByTestId('grant').click();
    await ada.getByRole('button', { name: 'Start camera' }).click();
    await receivesVideo(learners[1]!, adaId, 'Bob decodes Ada');

    // Kick Bob: his transports close and he is told.
    const bob = learners[1]!;
    const bobId = await peerId(bob);
    await teacher.locator(`[data-peer="${bobId}"]`).getByTestId('kick').click();
    await bob.getByTestId('error').filter({ hasText: 'removed' }).waitFor();
    expect(await bob.evaluate(() => (globalThis as unknown as PageGlobals).__media.transports())).toEqual({
      send: undefined,
      recv: 'closed',
    });
    // Reloading does not get him back in.
    await bob.reload();
    await bob.getByTestId('error').filter({ hasText: 'removed' }).waitFor();

    // A teacher reload rejoins with the same role.
    await teacher.reload();
    await teacher.getByTestId('status').filter({ hasText: 'Connected' }).waitFor();
    await expect
      .poll(() => teacher.evaluate(() => (globalThis as unknown as PageGlobals).__media.state.role))
      .toBe('teacher');
    // The realtime layer's chat panel sits beside the stage.
    await teacher.getByText('Class chat').first().waitFor();
  });

  it('shares a screen: learners see it first, sharp, and it goes away when sharing stops', async () => {
    const id = randomUUID();
    const path = `/live/${id}`;
    const room = `live:${id}`;
    const teacher = await open(path, room, 'teacher', 'Sam');
    await teacher.getByRole('button', { name: 'Start camera' }).click();
    await teacher.getByTestId('local-video').waitFor();
    // Headless Chromium with the fake-UI flags grants getDisplayMedia a fake 1280x720 screen.
    await teacher.getByRole('button', { name: 'Share screen' }).click();
    await teacher.getByText('Your screen').waitFor();
    const learner = await open(path, room, 'learner', 'Lou');
    const screenTile = learner.locator('[data-testid="remote-video"][data-source="screen"]');
    await screenTile.waitFor({ timeout: 20_000 });
    // The screen is the large tile, ahead of the teacher's camera.
    await expect
      .poll(() => learner.getByTestId('remote-video').first().getAttribute('data-source'))
      .toBe('screen');
    expect(await screenTile.getAttribute('class')).toContain('live-tile-large');
    // Frames decode at full resolution: one layer, not simulcast (text stays readable).
    const decoded = () =>
      screenTile.locator('video').evaluate((element) => {
        const video = element as unknown as {
          videoWidth: number;
          getVideoPlaybackQuality(): { totalVideoFrames: number };
        };
        return { frames: video.getVideoPlaybackQuality().totalVideoFrames, width: video.videoWidth };
      });
    await expect.poll(async () => (await decoded()).frames, { timeout: 20_000 }).toBeGreaterThan(5);
    await expect.poll(async () => (await decoded()).width, { timeout: 20_000 }).toBe(1280);
    const producerRids = await teacher.evaluate(async () => {
      const media = (globalThis as unknown as PageGlobals).__media;
      const local = media.state.local as { screen?: { producerId: string } };
      const stats = await media.serverStats('producer', local.screen!.producerId);
      return stats.map((s) => s.rid ?? null);
    });
    expect(producerRids).toEqual([null]);
    // Stop sharing: the tile leaves the learner's page; the camera stays.
    await teacher.getByRole('button', { name: 'Stop sharing' }).click();
    await screenTile.waitFor({ state: 'detached', timeout: 15_000 });
    await learner.locator('[data-testid="remote-video"][data-source="camera"]').waitFor();
  });

  it('uses the real flow: a signed-in instructor gets a room token from the API and teaches', async () => {
    const api = (path: string, body: unknown, token?: string) =>
      postJson(system.url, path, (b) => b as Record<string, unknown> & { id: string }, { token, body });
    const signUp = (role: 'instructor' | 'learner', name: string) => register(system.url, name, role);
    const instructor = await signUp('instructor', 'Ines');
    const course = await api('/api/courses', { title: 'Live physics' }, instructor.accessToken);
    const liveClass = await api(
      `/api/courses/${course.id}/live-classes`,
      { title: 'Waves', startsAt: new Date(Date.now() + 3600_000).toISOString(), durationMinutes: 60 },
      instructor.accessToken,
    );
    const signedIn = (session: SessionResponse) => signedInPage(browser, system.url, session);
    const teacher = await signedIn(instructor);
    await teacher.goto(new URL(`/live/${liveClass.id}`, system.url).href);
    await teacher.getByTestId('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    expect(await teacher.evaluate(() => (globalThis as unknown as PageGlobals).__media.state.role)).toBe(
      'teacher',
    );
    // Someone not enrolled is refused by the API, and told.
    const stranger = await signedIn(await signUp('learner', 'Stan'));
    await stranger.goto(new URL(`/live/${liveClass.id}`, system.url).href);
    await stranger.getByRole('alert').waitFor();
    expect(await stranger.evaluate(() => (globalThis as unknown as PageGlobals).__media)).toBeUndefined();
  });

  it('rejoins and republishes when the mediasoup worker dies', async () => {
    const id = randomUUID();
    const path = `/live/${id}`;
    const room = `live:${id}`;
    const teacher = await open(path, room, 'teacher', 'Tess');
    await teacher.getByRole('button', { name: 'Start camera' }).click();
    const learner = await open(path, room, 'learner', 'Lee');
    await receivesVideo(learner, await peerId(teacher), 'decoding before the crash');
    // The system runs in this process: its mediasoup workers are our children.
    const workers = (await readdir('/proc')).filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return (
          stat.includes('(mediasoup-worke') && stat.split(') ')[1]!.split(' ')[1] === String(process.pid)
        );
      } catch {
        return false;
      }
    });
    expect(workers).toHaveLength(1);
    const before = await peerId(learner);
    process.kill(Number(workers[0]), 'SIGKILL');
    // Told to rejoin, the page joins again: a new peer in the recreated room.
    await waitFor(async () => (await peerId(learner)) !== before, {
      timeoutMs: 30_000,
      what: 'learner rejoined',
    });
    await learner.getByTestId('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    // The teacher's page published its camera again on the replacement worker.
    await teacher.getByTestId('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    const dump = async () =>
      JSON.stringify(
        await Promise.all(
          [teacher, learner].map((p) =>
            p.evaluate(() => {
              const m = (globalThis as unknown as PageGlobals).__media;
              return { ...m.state, transports: m.transports() };
            }),
          ),
        ),
      );
    await teacher
      .getByTestId('local-video')
      .waitFor({ timeout: 15_000 })
      .catch(async (err: Error) => {
        throw new Error(`${err.message}: ${await dump()}`);
      });
    await receivesVideo(learner, await peerId(teacher), 'decoding after the rejoin').catch(
      async (err: Error) => {
        throw new Error(`${err.message}: ${await dump()}`);
      },
    );
  });

  it('says clearly when the camera is denied or the token is refused', async () => {
    const id = randomUUID();
    const token = roomToken(`mentor:${id}`, 'mentee', 'Dee');
    const context = await browser.newContext();
    // What the browser does when the person blocks the camera.
    await context.addInitScript(() => {
      const devices = (globalThis as unknown as { navigator: { mediaDevices: Record<string, unknown> } })
        .navigator.mediaDevices;
      devices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    const page = await context.newPage();
    await page.goto(new URL(`/mentor/${id}?token=${token}`, system.url).href);
    await page.getByTestId('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Start camera' }).click();
    await page
      .getByTestId('notice')
      .filter({ hasText: 'Permission to use your camera was denied' })
      .waitFor();

    const forged = signToken(
      { typ: 'room', sub: 'x', name: 'X', room: `mentor:${id}`, kind: 'mentor', role: 'mentor' },
      'not-the-secret-but-long-enough-for-hs256-0123456789',
      600,
    );
    const refused = await browser.newPage();
    await refused.goto(new URL(`/mentor/${id}?token=${forged}`, system.url).href);
    await refused.getByTestId('error').filter({ hasText: 'You cannot join' }).waitFor();
  });

  it('connects a mentor session both ways', async () => {
    const id = randomUUID();
    const path = `/mentor/${id}`;
    const room = `mentor:${id}`;
    const mentor = await open(path, room, 'mentor', 'Mentor');
    const mentee = await open(path, room, 'mentee', 'Mentee');
    for (const page of [mentor, mentee]) await page.getByRole('button', { name: 'Start camera' }).click();
    await receivesVideo(mentee, await peerId(mentor), 'mentee decodes the mentor');
    await receivesVideo(mentor, await peerId(mentee), 'mentor decodes the mentee');
    // A third person with a learner token is refused, with a message.
    const third = await browser.newPage();
    const token = roomToken(room, 'learner', 'Intruder');
    await third.goto(new URL(`${path}?token=${token}`, system.url).href);
    await third.getByTestId('error').filter({ hasText: 'cannot join' }).waitFor();
  });
});
