import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { deletePrefix, type JobContext, type Logger, type RealtimePublisher } from '@learnlive/common';
import {
  JOB_OPTIONS,
  LESSON_PROGRESS_EVENT,
  type JobOf,
  type LessonProgressEvent,
  type Rendition,
  type TranscodeStage,
} from '@learnlive/contracts';
import { z } from 'zod';
import { buildLadderArgs, OUTPUT, planStoryboard, storyboardVtt } from './ffmpegArgs.js';
import { FfmpegError, runFfmpeg } from './ffmpeg.js';
import { chooseLadder, type Ladder } from './ladder.js';
import { parseMaster, parseMedia } from './playlists.js';
import type { LessonVideoStore } from './lessonVideos.js';
import { downloadObject, objectExists, uploadDirectory, withRetry } from './objectStore.js';
import { ffprobe, interpretProbe, MediaRejectedError, type ProbeLimits } from './probe.js';

export interface TranscodeDeps {
  store: LessonVideoStore;
  s3: S3Client;
  bucket: string;
  publisher: RealtimePublisher;
  logger: Logger;
  workDir: string;
  ffmpegPath: string;
  ffprobePath: string;
  limits: ProbeLimits;
  uploadConcurrency: number;
  /** Storage retries per object. */
  storageAttempts: number;
  storageBackoffMs: number;
  /** How often a running job checks that its lesson still exists. */
  watchIntervalMs: number;
  /** The fault suite reaches the ffmpeg process through this. */
  onFfmpeg?: (child: ChildProcess, lessonId: string) => void;
}

/** Where each version's ladder lives: unreferenced until the publish step names it. */
export const ladderPrefix = (lessonId: string, version: string) => `lessons/${lessonId}/hls/${version}/`;
/** Written last under the prefix: the upload of this version is complete. */
const MARKER = 'complete.json';
const MarkerSchema = z.object({
  durationSeconds: z.number(),
  renditions: z.array(
    z.object({ name: z.string(), width: z.number(), height: z.number(), bitrate: z.number() }),
  ),
  hasPoster: z.boolean(),
  hasStoryboard: z.boolean(),
});

class LessonGoneError extends Error {
  override readonly name = 'LessonGoneError';
}

/**
 * The `transcode` job: download, probe, one ffmpeg ladder, upload under a version prefix, then
 * publish in one DB step. Safe to run twice: a finished version returns at once; a version whose
 * upload completed (marker present) only publishes; otherwise it starts over and overwrites the
 * same keys.
 */
export function transcodeHandler(deps: TranscodeDeps) {
  const { store, s3, bucket, logger } = deps;
  return async (job: JobOf<'transcode'>, ctx: JobContext): Promise<void> => {
    const { lessonId, version } = job;
    const log = logger.child({ lessonId, version, attempt: ctx.attempt });
    const row = await store.get(lessonId);
    if (!row || row.version !== version) {
      log.info('lesson deleted or re-uploaded; job skipped');
      return;
    }
    if (row.status === 'ready') return;
    const prefix = ladderPrefix(lessonId, version);
    const notify = (event: Omit<LessonProgressEvent, 'lessonId'>) =>
      deps.publisher.publish([`user:${row.instructor_id}`], LESSON_PROGRESS_EVENT, { lessonId, ...event });

    // A job stops when its queue cancels it or when its lesson disappears.
    const local = new AbortController();
    const signal = AbortSignal.any([ctx.signal, local.signal]);
    let lastWrite = 0;
    let lastPublish = 0;
    const report = async (stage: TranscodeStage, percent: number, force = false) => {
      const now = Date.now();
      const rounded = Math.round(percent * 10) / 10;
      if (force || now - lastPublish >= 250) {
        lastPublish = now;
        notify({ status: 'processing', stage, percent: rounded, failureReason: null });
      }
      if (force || now - lastWrite >= deps.watchIntervalMs) {
        lastWrite = now;
        if (!(await store.progress(lessonId, version, stage, rounded))) {
          local.abort(new LessonGoneError('lesson deleted'));
        }
      }
    };
    const reportSoon = (stage: TranscodeStage, percent: number) =>
      void report(stage, percent).catch((err: unknown) => log.warn({ err }, 'progress not recorded'));
    // Deletion is noticed even while ffmpeg prints nothing (a slow first segment).
    const watch = setInterval(() => {
      void store.get(lessonId).then(
        (current) => {
          if (!current || current.version !== version) local.abort(new LessonGoneError('lesson deleted'));
        },
        () => {},
      );
    }, deps.watchIntervalMs);
    const work = join(deps.workDir, `${lessonId}-${version}`);
    const retry = { attempts: deps.storageAttempts, backoffMs: deps.storageBackoffMs, signal };
    try {
      if (await objectExists(s3, bucket, prefix + MARKER)) {
        // An earlier try uploaded everything and stopped before publishing: publish only.
        const marker = MarkerSchema.parse(JSON.parse(await readObject(s3, bucket, prefix + MARKER)));
        await publish(marker);
        return;
      }
      if (!(await store.start(lessonId, version))) return;
      await report('downloading', 0, true);
      // Whatever an earlier, interrupted try left locally is not trusted.
      await killOrphan(work);
      await rm(work, { recursive: true, force: true });
      const out = join(work, 'out');
      await mkdir(join(out, OUTPUT.storyboardDir), { recursive: true });
      const input = join(work, 'source');
      await downloadObject(s3, bucket, job.sourceKey, input, retry);

      await report('probing', 0, true);
      const source = interpretProbe(await ffprobe(deps.ffprobePath, input, signal), deps.limits);
      const ladder = chooseLadder(source);
      const storyboard = planStoryboard(source);
      const posterAt = Math.min(2, source.durationSeconds / 3);
      log.info({ source, rungs: ladder.rungs.map((r) => r.name) }, 'transcoding');

      await report('transcoding', 0, true);
      try {
        await runFfmpeg(
          deps.ffmpegPath,
          buildLadderArgs({ input, outDir: out, ladder, source, storyboard, posterAt }),
          {
            expectedFrames: source.durationSeconds * ladder.fps,
            signal,
            onProgress: (fraction) => reportSoon('transcoding', fraction * 100),
            onSpawn: (child) => {
              // A worker killed outright leaves its ffmpeg running: the next try stops it.
              if (child.pid) void writeFile(join(work, FFMPEG_PID), String(child.pid)).catch(() => {});
              deps.onFfmpeg?.(child, lessonId);
            },
          },
        );
      } catch (err) {
        if (
          err instanceof FfmpegError &&
          /Invalid data|corrupt|Error while decoding|moov atom/i.test(err.stderr)
        ) {
          throw new MediaRejectedError('The video could not be decoded: the file is damaged.');
        }
        throw err;
      }
      await completeMaster(out, ladder);
      // A damaged file can decode "successfully" but stop early: compare what came out.
      const produced = parseMedia(
        await readFile(join(out, ladder.rungs[0]!.name, 'index.m3u8'), 'utf8'),
      ).segments.reduce((sum, segment) => sum + segment.duration, 0);
      if (produced < source.durationSeconds * 0.9 - 0.5) {
        throw new MediaRejectedError(
          `The video is damaged: only ${Math.round(produced)} of its ${Math.round(source.durationSeconds)} seconds could be decoded.`,
        );
      }
      const sheets = Math.ceil(
        Math.ceil(source.durationSeconds / storyboard.intervalSeconds) /
          (storyboard.columns * storyboard.rows),
      );
      await writeFile(
        join(out, OUTPUT.storyboardVtt),
        storyboardVtt(
          storyboard,
          source.durationSeconds,
          (n) => `${OUTPUT.storyboardDir}/${OUTPUT.storyboardSheet(n)}`,
        ),
      );
      const hasPoster = await exists(join(out, OUTPUT.poster));
      const hasStoryboard = await exists(join(out, OUTPUT.storyboardDir, OUTPUT.storyboardSheet(sheets)));

      await report('uploading', 0, true);
      await uploadDirectory(s3, bucket, out, prefix, {
        ...retry,
        concurrency: deps.uploadConcurrency,
        onProgress: (fraction) => reportSoon('uploading', fraction * 100),
      });
      const renditions: Rendition[] = ladder.rungs.map((r) => ({
        name: r.name,
        width: r.width,
        height: r.height,
        bitrate: r.bitrate,
      }));
      const marker = { durationSeconds: source.durationSeconds, renditions, hasPoster, hasStoryboard };
      await withRetry(
        () =>
          s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: prefix + MARKER,
              Body: JSON.stringify(marker),
              ContentType: 'application/json',
            }),
          ),
        retry,
      );
      await publish(marker);
    } catch (err) {
      if (signal.aborted && local.signal.aborted) {
        log.info('lesson deleted while processing; job stopped');
        await deletePrefix(s3, bucket, prefix).catch(() => {});
        return;
      }
      if (err instanceof MediaRejectedError) {
        log.info({ reason: err.reason }, 'upload rejected');
        await store.fail(lessonId, version, err.reason);
        notify({ status: 'failed', stage: null, percent: null, failureReason: err.reason });
        return;
      }
      if (!ctx.signal.aborted && ctx.attempt >= JOB_OPTIONS.transcode.attempts) {
        const reason = 'Processing failed several times; please upload the video again.';
        await store.fail(lessonId, version, reason).catch(() => {});
        notify({ status: 'failed', stage: null, percent: null, failureReason: reason });
      }
      throw err;
    } finally {
      clearInterval(watch);
      await rm(work, { recursive: true, force: true }).catch(() => {});
    }

    async function publish(marker: z.infer<typeof MarkerSchema>) {
      await report('publishing', 100, true);
      const published = await store.publish(lessonId, version, { prefix, ...marker });
      if (!published) {
        local.abort(new LessonGoneError('lesson deleted'));
        throw local.signal.reason;
      }
      notify({ status: 'ready', stage: null, percent: 100, failureReason: null });
      log.info('lesson video ready');
      const garbage = published.replacedPrefix;
      if (garbage) {
        // Learners now get the new ladder; one playing the old one at this moment must reload.
        // Left recorded on failure: the sweeper retries.
        await store
          .removeGarbage(s3, bucket, garbage)
          .catch((err: unknown) => log.warn({ err }, 'the replaced ladder was not removed'));
      }
    }
  };
}

/**
 * ffmpeg 5.1 leaves the audio-only variant out of the master when the audio rendition is the
 * group's default: add it, so audio-only clients (and very slow links) have a rendition.
 */
async function completeMaster(out: string, ladder: Ladder): Promise<void> {
  if (!ladder.audio) return;
  const file = join(out, OUTPUT.master);
  const text = await readFile(file, 'utf8');
  const master = parseMaster(text);
  const audio = master.media.find((m) => m.type === 'AUDIO');
  if (!audio?.uri || master.variants.some((v) => !v.resolution)) return;
  const bandwidth = Math.round(ladder.audio.bitrate * 1.1);
  await writeFile(
    file,
    `${text.trimEnd()}\n\n#EXT-X-STREAM-INF:BANDWIDTH=${bandwidth},CODECS="mp4a.40.2",AUDIO="${audio.groupId}"\n${audio.uri}\n`,
  );
}

const FFMPEG_PID = 'ffmpeg.pid';

/**
 * Kills the ffmpeg an earlier try of this job left behind (its worker died without stopping it),
 * if that process is still an ffmpeg writing into this job's directory.
 */
async function killOrphan(work: string): Promise<void> {
  const pid = Number(await readFile(join(work, FFMPEG_PID), 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('ffmpeg') || !cmdline.includes(work)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function readObject(s3: S3Client, bucket: string, key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await res.Body?.transformToString()) ?? '';
}
