import { afterEach, describe, expect, it } from 'vitest';
import { testLogger } from '@learnlive/testing';
import { MEDIA_CODECS } from './codecs.js';
import { WorkerPool } from './WorkerPool.js';

describe('WorkerPool', () => {
  let pool: WorkerPool | undefined;
  afterEach(async () => pool?.close());

  it('starts real mediasoup workers and creates a router with opus and VP8', async () => {
    pool = await WorkerPool.start(
      { workers: 2, listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', rtcPort: 0 },
      testLogger(),
    );
    expect(pool.size).toBe(2);
    const slot = pool.leastLoaded();
    const router = await slot.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    expect(slot.routers).toBe(1);
    expect(pool.leastLoaded()).not.toBe(slot);
    const mimeTypes = router.rtpCapabilities.codecs?.map((c) => c.mimeType) ?? [];
    expect(mimeTypes).toContain('audio/opus');
    expect(mimeTypes).toContain('video/VP8');
    const transport = await router.createWebRtcTransport({ webRtcServer: slot.webRtcServer });
    const protocols = transport.iceCandidates.map((c) => c.protocol).sort();
    expect(protocols).toEqual(['tcp', 'udp']);
    expect(transport.iceCandidates.every((c) => c.address === '127.0.0.1')).toBe(true);
    router.close();
    expect(slot.routers).toBe(0);
  });

  it('replaces a worker that dies and says so', async () => {
    pool = await WorkerPool.start(
      { workers: 1, listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', rtcPort: 0 },
      testLogger(),
    );
    const first = pool.workers[0]!.worker;
    const died = new Promise<number>((resolve) => pool!.once('workerdied', resolve));
    process.kill(first.pid, 'SIGKILL');
    expect(await died).toBe(0);
    // a room placed right away (its peers rejoin at once) waits for the replacement
    expect(pool.workers[0]!.worker.closed).toBe(true);
    expect(() => pool!.leastLoaded()).toThrow(/no media worker/);
    const placed = await pool.forNewRoom();
    expect(placed.worker).not.toBe(first);
    expect(placed.worker.closed).toBe(false);
    await expect
      .poll(() => pool!.workers[0]!.worker !== first && !pool!.workers[0]!.worker.closed, { timeout: 10_000 })
      .toBe(true);
    await pool.workers[0]!.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  });
});
