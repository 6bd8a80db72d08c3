/**
 * `npm run bench:live-media`: what recording and live-to-HLS cost. A teacher's camera (640x360
 * VP8, 20 fps) and microphone (Opus) come from ffmpeg into a room; the run measures, per process
 * (from /proc/PID/stat), the CPU of the mediasoup worker and of the source ffmpeg alone (the
 * baseline), then with a recording (stream copy to Matroska) and a live HLS stream (x264
 * veryfast + AAC, 2 s segments) running; and how long the stream takes to publish its first
 * playlist and the recording to reach the queue after stop.
 *
 * BENCH_LIVE_SECONDS (default 20) length of each measured phase.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { createLogger, InProcessQueue, signToken } from '@learnlive/common';
import { startEmbeddedS3 } from '@learnlive/common/embedded';
import type { Job } from '@learnlive/contracts';
import { loadMediaConfig, startMedia } from '@learnlive/media';
import { SignallingClient } from '../media/test/signallingClient.js';
import { publishTestMedia } from '../media/test/rtpSource.js';

/* eslint-disable no-console -- a benchmark prints its table */

const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 20);
const RESULTS = fileURLToPath(new URL('./results/live-media.json', import.meta.url));
const SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';
const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of one process so far. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** ffmpeg children of this process whose command line contains `marker`. */
function ffmpegWith(marker: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.startsWith('ffmpeg') && cmdline.includes(marker)) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}

async function measure(pids: Record<string, number | undefined>): Promise<Record<string, number>> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid ? cpuOf(pid) : 0]));
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  return Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => [
      k,
      Math.round((((pid ? cpuOf(pid) : 0) - before[k]!) / elapsed) * 1000) / 10,
    ]),
  );
}

const dir = await mkdtemp(join(tmpdir(), 'bench-live-'));
const logger = createLogger({ name: 'bench', level: 'warn' });
const s3 = await startEmbeddedS3({ directory: join(dir, 's3'), port: 0, bucket: 'bench' });
const queue = new InProcessQueue(logger);
const jobs: Array<{ job: Job; at: number }> = [];
queue.work({ transcode: async (job) => void jobs.push({ job, at: performance.now() }) }, { concurrency: 1 });
const media = await startMedia(
  loadMediaConfig({
    JWT_SECRET: SECRET,
    MEDIA_PORT: '0',
    MEDIA_RTC_PORT: '0',
    MEDIA_LISTEN_IP: '127.0.0.1',
    MEDIA_WORKERS: '1',
    MEDIA_RECORDING_DIR: join(dir, 'work'),
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: 'bench',
    LOG_LEVEL: 'warn',
  }),
  logger,
  { queue },
);
const url = `http://127.0.0.1:${media.port}`;
const roomId = `live:${randomUUID()}`;
const token = (sub: string, role: 'teacher' | 'learner') =>
  signToken({ typ: 'room', sub, name: sub, room: roomId, kind: 'live', role }, SECRET, 3600);
const teacher = await SignallingClient.connect(url, token('teacher', 'teacher'));
const viewer = await SignallingClient.connect(url, token('viewer', 'learner'));
const { peerId } = await teacher.request('join', {});
const source = await publishTestMedia(media, roomId, peerId);
const worker = media.pool.workers[0]!.worker.pid;
const sourcePid = ffmpegWith('lavfi');

try {
  await new Promise((resolve) => setTimeout(resolve, 3000)); // the source settles
  console.log(`baseline: source and worker only, ${SECONDS} s…`);
  const baseline = await measure({ worker, source: sourcePid });

  const lessonId = randomUUID();
  const version = randomUUID();
  const recordingToken = signToken(
    {
      typ: 'recording',
      sub: 'teacher',
      room: roomId,
      lessonId,
      version,
      sourceKey: `lessons/${lessonId}/original/${version}`,
    },
    SECRET,
    300,
  );
  await teacher.request('startRecording', { token: recordingToken });
  const streamStart = performance.now();
  let firstPlaylistMs = 0;
  for (;;) {
    const reply = await viewer.request('watchStream', {});
    if (reply.state === 'live') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  firstPlaylistMs = Math.round(performance.now() - streamStart);
  const keepAlive = setInterval(() => void viewer.request('watchStream', {}).catch(() => {}), 5000);
  console.log(`recording + live HLS, ${SECONDS} s…`);
  const running = await measure({
    worker,
    source: sourcePid,
    recordingFfmpeg: ffmpegWith('matroska'),
    hlsFfmpeg: ffmpegWith('hls'),
    mediaNodeAndS3: process.pid,
  });
  clearInterval(keepAlive);
  const stopAt = performance.now();
  await teacher.request('stopRecording', {});
  const finalizedMs = Math.round(performance.now() - stopAt);
  while (!jobs.length) await new Promise((resolve) => setTimeout(resolve, 50));
  const queuedMs = Math.round(jobs[0]!.at - stopAt);

  const rows = [
    ['mediasoup worker', baseline.worker, running.worker],
    ['source ffmpeg (VP8+Opus encoder, baseline load)', baseline.source, running.source],
    ['recording ffmpeg (stream copy to Matroska)', 0, running.recordingFfmpeg],
    ['live HLS ffmpeg (x264 veryfast 360p + AAC)', 0, running.hlsFfmpeg],
    ['this Node process (signalling, uploads, s3rver)', undefined, running.mediaNodeAndS3],
  ] as const;
  console.log(`\n% of one core, ${SECONDS} s per phase (640x360 VP8 20 fps + Opus source)`);
  console.log('| process | baseline | recording + HLS |');
  console.log('| --- | ---: | ---: |');
  for (const [name, a, b] of rows) console.log(`| ${name} | ${a ?? '-'} | ${b} |`);
  console.log(`\nlive HLS: first playlist published ${firstPlaylistMs} ms after the first watchStream`);
  console.log(
    `recording: stop answered in ${finalizedMs} ms (file finalized), transcode job queued after ${queuedMs} ms`,
  );
  await mkdir(join(RESULTS, '..'), { recursive: true });
  await writeFile(
    RESULTS,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        seconds: SECONDS,
        baseline,
        running,
        firstPlaylistMs,
        finalizedMs,
        queuedMs,
      },
      null,
      2,
    ),
  );
} finally {
  source.close();
  teacher.close();
  viewer.close();
  await media.close();
  await queue.close();
  await s3.close();
  await rm(dir, { recursive: true, force: true });
}
