import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AppError, verifyRecordingToken, type JobQueue, type Logger } from '@learnlive/common';
import type { RecordingState, RecordingStopReason, RecordingTokenClaims } from '@learnlive/contracts';
import type { Peer } from './room/Peer.js';
import type { Room } from './room/Room.js';
import { TapChain } from './tap/TapChain.js';

export interface RecorderOptions {
  jwtSecret: string;
  s3: S3Client;
  bucket: string;
  /** Where the finished file's `transcode` job goes (the transcoder consumes it). */
  queue: JobQueue;
  /** A recording stops by itself after this long. */
  maxMs: number;
  /** Scratch directory; each recording gets its own folder, removed after upload. */
  dir: string;
  ffmpegPath: string;
  /**
   * Tries of the upload to object storage, and of queueing the transcode job (a Redis command
   * fails after 2 s when Redis is away: an outage of some seconds must not lose the recording).
   * Waits 1, 2, 4, 8 s between tries. @default 5
   */
  deliveryAttempts?: number;
  /**
   * How long a recording whose teacher left (or whose sources all closed) waits for the same
   * user to publish again (a page reload, a reconnect) before it stops. @default 60000
   */
  rejoinGraceMs?: number;
}

/** Smallest file that can hold a stream header and a frame; below it the recording failed. */
const MIN_BYTES = 1024;

/** Why a recording waits for its teacher; also its stop reason if the teacher does not come back. */
type WaitReason = Extract<RecordingStopReason, 'teacher_left' | 'source_closed'>;

interface Running {
  room: Room;
  claims: RecordingTokenClaims;
  /** The recording user's peer: the one that started it, then the one that rejoined. */
  byPeer: Peer;
  /** Stops following `byPeer`'s `close`. */
  unwatchPeer?: () => void;
  /** The teacher left or the sources closed: the recording stops at `timer` unless they publish again. */
  waiting?: { reason: WaitReason; timer: NodeJS.Timeout };
  startedAt: Date;
  /**
   * The recorded sources, one ffmpeg run per part: a replaced camera starts the next part with
   * the same kinds and codecs, so the parts join by stream copy at the end.
   */
  chain: TapChain;
  workDir: string;
  stopping?: Promise<void>;
  cleanup: Array<() => void>;
}

const inactive = (): RecordingState => ({
  active: false,
  startedAt: null,
  byPeerId: null,
  lessonId: null,
  stopReason: null,
});

const execute = promisify(execFile);

/** Part `n` of a recording (1 for the first): one file per ffmpeg run. */
const partFile = (workDir: string, n: number) => join(workDir, `part-${n}.mkv`);

/** The job id of one version of one lesson: the same as the API's, so adding it twice is a no-op. */
const transcodeJobId = (lessonId: string, version: string) => `transcode-${lessonId}-${version}`;

/**
 * Records live classes: the teacher's camera (or screen share) and microphone are tapped into
 * one ffmpeg (`TapChain`) that copies them into a Matroska file, no re-encoding. The teacher
 * leaving or the sources closing is not the end at once: a reload or a reconnect publishes again
 * within `rejoinGraceMs` and the recording goes on in a new part. On stop (request, the teacher
 * not back in time, the room closing, or `maxMs`) ffmpeg finalizes the file, it is uploaded to
 * the object key the API's recording token names, and a `transcode` job makes it a lesson like
 * an upload. One recording per room.
 */
export class Recorder {
  private readonly running = new Map<string, Running>();
  private readonly last = new Map<string, RecordingState>();
  private readonly finishing = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly options: RecorderOptions | undefined,
    private readonly logger: Logger,
  ) {}

  /** What the room's participants are told (the indicator), also at join. */
  state(roomId: string): RecordingState {
    const run = this.running.get(roomId);
    if (run) {
      return {
        active: true,
        startedAt: run.startedAt.toISOString(),
        byPeerId: this.recordingPeer(run).id,
        lessonId: run.claims.lessonId,
        stopReason: null,
      };
    }
    return this.last.get(roomId) ?? inactive();
  }

  /**
   * The recording user's peer: the one recording, or, while the recording waits for them, the
   * peer they rejoined with (a rejoining teacher's join reply names it).
   */
  private recordingPeer(run: Running): Peer {
    if (!run.byPeer.isClosed) return run.byPeer;
    for (const peer of run.room.peers.values()) if (peer.userId === run.claims.sub) return peer;
    return run.byPeer;
  }

  /**
   * What the room's running recording has written so far in its current part (tests, metrics);
   * `running`: that part's ffmpeg has not exited.
   */
  progress(roomId: string): { frames: number; seconds: number; running: boolean } | undefined {
    const ffmpeg = this.running.get(roomId)?.chain.ffmpeg;
    if (!ffmpeg) return undefined;
    const { progress, process } = ffmpeg;
    const running = process.exitCode === null && process.signalCode === null;
    return { frames: progress.frames, seconds: progress.outTimeUs / 1e6, running };
  }

  async start(room: Room, peer: Peer, token: string): Promise<RecordingState> {
    const options = this.options;
    if (!options || this.closed)
      throw new AppError('unavailable', 'recording is not available on this media server');
    if (!peer.canModerate) throw new AppError('forbidden', 'only the teacher or a moderator may record');
    const claims = verifyRecordingToken(token, options.jwtSecret);
    if (claims.room !== room.id) throw new AppError('forbidden', 'this recording token is for another room');
    if (claims.sub !== peer.userId)
      throw new AppError('forbidden', 'this recording token is for someone else');
    if (this.running.has(room.id)) throw new AppError('conflict', 'this class is already being recorded');
    const sources = room.teacherSources(peer);
    if (!sources.length)
      throw new AppError('conflict', 'nothing to record: start the camera or the microphone first');

    const workDir = join(options.dir, `${claims.lessonId}-${claims.version}`);
    const log = this.logger.child({ roomId: room.id, lessonId: claims.lessonId });
    const run: Running = {
      room,
      claims,
      byPeer: peer,
      startedAt: new Date(),
      chain: new TapChain(room, sources, {
        ffmpeg: (n) => ({
          ffmpegPath: options.ffmpegPath,
          workDir,
          // Stream copy: VP8/H.264 and Opus fit Matroska as they arrive; the transcoder re-encodes.
          outputArgs: ['-map', '0', '-c', 'copy', '-f', 'matroska', '-y', partFile(workDir, n)],
          onStderr: (line) => log.debug({ line }, 'recording ffmpeg'),
        }),
        // ffmpeg ends by itself when no packet arrived for 10 s (its SDP input's fixed timeout:
        // every source paused or gone), or on an error; what it wrote is still kept. While the
        // recording waits for its teacher, that is expected: the next part is a new ffmpeg.
        onEnd: (end, err) => {
          if (end === 'switch_failed') {
            log.error({ err }, 'the recording could not continue with the new source');
            void this.finish(run, 'failed', log);
          } else if (end === 'sources_closed') this.wait(run, 'source_closed', log);
          else if (run.waiting) log.info({ end }, 'recording part ended while waiting for the teacher');
          else void this.finish(run, end === 'ffmpeg_exited' ? 'source_closed' : 'failed', log);
        },
        onRun: (owner, part) => this.resume(run, owner, part, log),
        // Each part is its own file: a teacher back from a reload is recorded at once.
        overlapRuns: true,
        logger: log,
      }),
      workDir,
      cleanup: [],
    };
    // Claimed before the first await: a second start in the meantime gets `conflict`.
    this.running.set(room.id, run);
    if (!this.last.has(room.id)) room.once('close', () => this.last.delete(room.id));
    try {
      await rm(workDir, { recursive: true, force: true });
      await mkdir(workDir, { recursive: true });
      await run.chain.start();
    } catch (err) {
      this.running.delete(room.id);
      await rm(workDir, { recursive: true, force: true }).catch(() => {});
      throw new AppError('internal', 'the recording could not start', { cause: err });
    }

    const stopOn = (reason: RecordingStopReason) => () => void this.finish(run, reason, log);
    const timer = setTimeout(stopOn('max_duration'), options.maxMs);
    timer.unref();
    run.cleanup.push(() => clearTimeout(timer));
    this.watchPeer(run, peer, log);
    const onRoomClose = stopOn('room_closed');
    room.once('close', onRoomClose);
    run.cleanup.push(() => room.off('close', onRoomClose));
    log.info({ sources: run.chain.taps.map((t) => t.kind), peerId: peer.id }, 'recording started');
    const state = this.state(room.id);
    room.broadcast(undefined, 'recording', state);
    return state;
  }

  /** Follows the recording user's current peer: its leaving makes the recording wait. */
  private watchPeer(run: Running, peer: Peer, log: Logger): void {
    run.unwatchPeer?.();
    run.byPeer = peer;
    const onClose = () => this.wait(run, 'teacher_left', log);
    peer.once('close', onClose);
    run.unwatchPeer = () => peer.off('close', onClose);
    if (peer.isClosed) onClose();
  }

  /**
   * The teacher left or every recorded source closed: the recording waits `rejoinGraceMs` for
   * the same user to publish the same kinds and codecs again (`TapChain` starts the next part,
   * then `resume`), and stops with `reason` if they do not. The room closing, `maxMs` and
   * `stopRecording` still stop it meanwhile.
   */
  private wait(run: Running, reason: WaitReason, log: Logger): void {
    if (run.stopping) return;
    if (run.waiting) {
      // Sources closed, then the peer left: the better reason if it ends here.
      if (reason === 'teacher_left') run.waiting.reason = reason;
      return;
    }
    const graceMs = this.options?.rejoinGraceMs ?? 60_000;
    const timer = setTimeout(() => void this.finish(run, run.waiting?.reason ?? reason, log), graceMs);
    timer.unref();
    run.waiting = { reason, timer };
    log.info({ reason, graceMs }, 'recording waits for the teacher to publish again');
  }

  /** A new part started on `owner`'s sources: a wait ends, and the indicator names the new peer. */
  private resume(run: Running, owner: Peer, part: number, log: Logger): void {
    if (run.stopping) return;
    const waited = run.waiting;
    if (waited) {
      clearTimeout(waited.timer);
      run.waiting = undefined;
    }
    // The chain only follows the recording user's producers: `owner` is their current peer.
    if (owner !== run.byPeer && !owner.isClosed) this.watchPeer(run, owner, log);
    log.info({ part, peerId: run.byPeer.id, waited: waited?.reason }, 'recording continues in a new part');
    if (waited && !run.room.isClosed) run.room.broadcast(undefined, 'recording', this.state(run.room.id));
  }

  /** The one file to upload: the only part, or the parts joined by stream copy. */
  private async assemble(run: Running, log: Logger): Promise<{ file: string; size: number }> {
    const files = Array.from({ length: run.chain.runs }, (_, i) => partFile(run.workDir, i + 1));
    const sized = await Promise.all(
      files.map(async (file) => ({
        file,
        size: await stat(file).then(
          (s) => s.size,
          () => 0,
        ),
      })),
    );
    const parts = sized.filter((p) => p.size >= MIN_BYTES);
    if (parts.length <= 1) return parts[0] ?? { file: '', size: 0 };
    const list = join(run.workDir, 'parts.txt');
    await writeFile(list, parts.map((p) => `file '${p.file}'`).join('\n') + '\n');
    const file = join(run.workDir, 'recording.mkv');
    try {
      await execute(this.options!.ffmpegPath, [
        ...['-hide_banner', '-v', 'error', '-f', 'concat', '-safe', '0', '-i', list],
        ...['-map', '0', '-c', 'copy', '-f', 'matroska', '-y', file],
      ]);
      return { file, size: (await stat(file)).size };
    } catch (err) {
      // The first part is still a lesson.
      log.error({ err, parts: parts.length }, 'recording parts not joined; the first part is kept');
      return parts[0]!;
    }
  }

  /** Stops the room's recording; answers once ffmpeg has finalized the file (upload follows). */
  async stop(room: Room, peer: Peer): Promise<RecordingState> {
    if (!peer.canModerate)
      throw new AppError('forbidden', 'only the teacher or a moderator may stop a recording');
    const run = this.running.get(room.id);
    if (!run) throw new AppError('conflict', 'this class is not being recorded');
    const log = this.logger.child({ roomId: room.id, lessonId: run.claims.lessonId });
    await this.finish(run, 'requested', log);
    return this.state(room.id);
  }

  /** Ends a recording once: ffmpeg finalizes, everyone is told; then upload and transcode job. */
  private finish(run: Running, reason: RecordingStopReason, log: Logger): Promise<void> {
    run.stopping ??= (async () => {
      for (const undo of run.cleanup) undo();
      run.unwatchPeer?.();
      if (run.waiting) clearTimeout(run.waiting.timer);
      const code = await run.chain.stop();
      const seconds = (Date.now() - run.startedAt.getTime()) / 1000;
      const { file, size } = await this.assemble(run, log);
      const failed = size < MIN_BYTES;
      const stopReason: RecordingStopReason = failed ? 'failed' : reason;
      this.running.delete(run.room.id);
      this.last.set(run.room.id, { ...inactive(), lessonId: run.claims.lessonId, stopReason });
      if (!run.room.isClosed) run.room.broadcast(undefined, 'recording', this.state(run.room.id));
      if (failed) log.error({ code, reason, seconds }, 'recording failed: ffmpeg wrote nothing');
      else log.info({ reason, seconds, bytes: size, parts: run.chain.runs, code }, 'recording stopped');
      const delivering = this.deliver(run, file, failed ? 0 : size, log).finally(() =>
        this.finishing.delete(delivering),
      );
      this.finishing.add(delivering);
    })();
    return run.stopping;
  }

  /**
   * Uploads the file to the token's key and enqueues its transcode job; the folder goes. With
   * nothing to upload (`size` 0) the job is still queued: the transcoder finds no source and
   * marks the lesson video failed, so the teacher sees it instead of a video waiting forever.
   */
  private async deliver(run: Running, file: string, size: number, log: Logger): Promise<void> {
    const { s3, bucket, queue } = this.options!;
    const { lessonId, version, sourceKey } = run.claims;
    const attempts = this.options!.deliveryAttempts ?? 5;
    /** `step`, tried `attempts` times, 1 s, 2 s, 4 s… apart. */
    const tried = async (what: string, step: () => Promise<unknown>) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await step();
        } catch (err) {
          if (attempt >= attempts) throw err;
          log.warn({ err, attempt, step: what }, 'recording delivery failed, retrying');
          await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
        }
      }
    };
    try {
      if (size > 0)
        await tried('upload', () =>
          s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: sourceKey,
              Body: createReadStream(file),
              ContentLength: size,
              ContentType: 'video/x-matroska',
            }),
          ),
        );
      await tried('enqueue', () =>
        queue.add({ type: 'transcode', lessonId, sourceKey, version }, transcodeJobId(lessonId, version)),
      );
      log.info({ sourceKey, bytes: size }, 'recording uploaded; transcode queued');
    } catch (err) {
      log.error({ err, sourceKey }, 'recording not delivered');
    } finally {
      await rm(run.workDir, { recursive: true, force: true }).catch(() => {});
    }
  }

  /** Stops every recording (each is still uploaded and queued) and waits for them. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.running.values()].map((run) =>
        this.finish(run, 'room_closed', this.logger.child({ roomId: run.room.id })),
      ),
    );
    await Promise.all([...this.finishing]);
  }
}
