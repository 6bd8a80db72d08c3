import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AppError, type Logger } from '@learnlive/common';
import type { MediaReplies } from '@learnlive/contracts';
import type { Room } from './room/Room.js';
import { TapChain } from './tap/TapChain.js';
import type { TapFfmpegOptions } from './tap/tapFfmpeg.js';

export interface LiveHlsOptions {
  s3: S3Client;
  bucket: string;
  /** Scratch directory; each stream writes its segments in its own folder. */
  dir: string;
  ffmpegPath: string;
  /** A stream nobody asked for (`watchStream`) for this long stops. */
  idleMs: number;
  /** Target segment length. @default 2 */
  segmentSeconds?: number;
  /** Segments in the sliding playlist. @default 6 */
  listSize?: number;
  /** How often new segments are looked for and uploaded. @default 500 */
  syncIntervalMs?: number;
}

/** Object key prefix of a room's stream: `live/<liveClassId>/` (the API serves it to viewers). */
export const liveStreamPrefix = (roomId: string) => `live/${roomId.slice(roomId.indexOf(':') + 1)}/`;

const PLAYLIST = 'index.m3u8';
const SEGMENT = /^seg_(\d+)\.ts$/;

interface Stream {
  room: Room;
  /**
   * The streamed sources, one ffmpeg run after another: after a replaced source the playlist
   * goes on (see `encoder`).
   */
  chain: TapChain;
  dir: string;
  prefix: string;
  lastWatched: number;
  uploaded: Set<string>;
  lastPlaylist: string;
  published: boolean;
  timer?: NodeJS.Timeout;
  syncing: boolean;
  stopping?: Promise<void>;
  cleanup: Array<() => void>;
}

/**
 * Live-to-HLS for passive viewers (audiences beyond what the SFU should carry): the teacher's
 * video and microphone are tapped (`TapChain`) into one ffmpeg that encodes H.264/AAC into short
 * segments with a sliding playlist; new segments and the playlist go to object storage, from
 * where the API serves them behind a signed ticket. Started by the first viewer's `watchStream`,
 * kept alive by their repeats, stopped when nobody asked for `idleMs`, the sources close, or
 * the room closes.
 */
export class LiveStreams {
  private readonly streams = new Map<string, Stream>();
  private closed = false;

  constructor(
    private readonly options: LiveHlsOptions | undefined,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** Starts the room's stream if needed and notes a viewer; answers whether it is playable yet. */
  async watch(room: Room): Promise<MediaReplies['watchStream']> {
    const options = this.options;
    if (!options || this.closed)
      throw new AppError('unavailable', 'streaming is not available on this media server');
    if (room.kind !== 'live') throw new AppError('bad_request', 'only live classes are streamed');
    let stream = this.streams.get(room.id);
    if (!stream) stream = await this.start(room, options);
    stream.lastWatched = Date.now();
    return { state: stream.published ? 'live' : 'starting', segmentSeconds: options.segmentSeconds ?? 2 };
  }

  private async start(room: Room, options: LiveHlsOptions): Promise<Stream> {
    const sources = room.teacherSources();
    if (!sources.length) throw new AppError('conflict', 'the teacher is not sharing video or sound yet');
    const dir = join(options.dir, `hls-${room.id.replace(/\W/g, '_')}`);
    const log = this.logger.child({ roomId: room.id });
    const stream: Stream = {
      room,
      chain: new TapChain(room, sources, {
        ffmpeg: (n) => this.encoder(options, dir, n > 1, log),
        graceMs: 2000,
        onEnd: (end, err) => {
          if (end === 'switch_failed')
            log.error({ err }, 'the live stream could not continue with the new source');
          const reason = {
            sources_closed: 'source_closed',
            ffmpeg_exited: 'ffmpeg_exited',
            ffmpeg_failed: 'ffmpeg_exited',
            switch_failed: 'failed',
          }[end];
          void this.stop(stream, reason, log);
        },
        logger: log,
      }),
      dir,
      prefix: liveStreamPrefix(room.id),
      lastWatched: Date.now(),
      uploaded: new Set(),
      lastPlaylist: '',
      published: false,
      syncing: false,
      cleanup: [],
    };
    this.streams.set(room.id, stream);
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await stream.chain.start();
    } catch (err) {
      this.streams.delete(room.id);
      await rm(dir, { recursive: true, force: true }).catch(() => {});
      throw new AppError('internal', 'the live stream could not start', { cause: err });
    }
    const interval = options.syncIntervalMs ?? 500;
    stream.timer = setInterval(() => {
      if (Date.now() - stream.lastWatched > options.idleMs) void this.stop(stream, 'idle', log);
      else void this.sync(stream, log);
    }, interval);
    stream.timer.unref();
    const onClose = () => void this.stop(stream, 'room_closed', log);
    room.once('close', onClose);
    stream.cleanup.push(() => room.off('close', onClose));
    log.info({ sources: stream.chain.taps.map((t) => t.kind) }, 'live stream started');
    return stream;
  }

  /**
   * ffmpeg's options for one encoder writing into the stream's folder. `append`: after a
   * replaced source, the playlist goes on (`append_list`: numbering continues, a discontinuity
   * marks the new encoder); ffmpeg never ends it (`omit_endlist`), so players keep polling
   * across the switch.
   */
  private encoder(options: LiveHlsOptions, dir: string, append: boolean, log: Logger): TapFfmpegOptions {
    const seconds = options.segmentSeconds ?? 2;
    return {
      ffmpegPath: options.ffmpegPath,
      workDir: dir,
      outputArgs: [
        ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'],
        // At most 720p: one rendition for every passive viewer.
        ...['-vf', "scale=-2:'min(720,ih)'", '-b:v', '1500k', '-maxrate', '1800k', '-bufsize', '3000k'],
        // A key frame at every segment boundary: segments cut on time.
        ...['-force_key_frames', `expr:gte(t,n_forced*${seconds})`, '-sc_threshold', '0'],
        // RTP audio arrives with jitter: resampled onto a steady clock, its timestamps only grow.
        ...['-af', 'aresample=async=1', '-c:a', 'aac', '-b:a', '96k', '-ac', '2'],
        ...['-f', 'hls', '-hls_time', String(seconds), '-hls_list_size', String(options.listSize ?? 6)],
        '-hls_flags',
        `delete_segments+temp_file+independent_segments+omit_endlist${append ? '+append_list' : ''}`,
        ...['-hls_segment_filename', join(dir, 'seg_%05d.ts'), '-y', join(dir, PLAYLIST)],
      ],
      onStderr: (line) => log.debug({ line }, 'live stream ffmpeg'),
    };
  }

  /** Uploads the segments the current playlist names, then the playlist; drops old segments. */
  private async sync(stream: Stream, log: Logger): Promise<void> {
    if (stream.syncing || stream.stopping) return;
    stream.syncing = true;
    const { s3, bucket } = this.options!;
    try {
      const playlist = await readFile(join(stream.dir, PLAYLIST), 'utf8').catch(() => '');
      if (!playlist || playlist === stream.lastPlaylist) return;
      const named = playlist
        .split('\n')
        .filter((line) => SEGMENT.test(line.trim()))
        .map((l) => l.trim());
      for (const name of named) {
        if (stream.uploaded.has(name)) continue;
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: stream.prefix + name,
            Body: await readFile(join(stream.dir, name)),
            ContentType: 'video/mp2t',
          }),
        );
        stream.uploaded.add(name);
      }
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: stream.prefix + PLAYLIST,
          Body: playlist,
          ContentType: 'application/vnd.apple.mpegurl',
          CacheControl: 'no-cache',
        }),
      );
      stream.lastPlaylist = playlist;
      stream.published = true;
      // Players may still fetch a segment that just left the playlist: keep two more.
      const oldest = Math.min(...named.map((n) => Number(SEGMENT.exec(n)![1])));
      for (const name of [...stream.uploaded]) {
        if (Number(SEGMENT.exec(name)![1]) >= oldest - 2) continue;
        stream.uploaded.delete(name);
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: stream.prefix + name }));
      }
    } catch (err) {
      log.warn({ err }, 'live stream segments not uploaded');
    } finally {
      stream.syncing = false;
    }
  }

  private stop(stream: Stream, reason: string, log: Logger): Promise<void> {
    stream.stopping ??= (async () => {
      if (stream.timer) clearInterval(stream.timer);
      for (const undo of stream.cleanup) undo();
      await stream.chain.stop();
      this.streams.delete(stream.room.id);
      const { s3, bucket } = this.options!;
      const keys = [PLAYLIST, ...stream.uploaded].map((name) => stream.prefix + name);
      await Promise.all(
        keys.map((Key) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key })).catch(() => undefined)),
      );
      await rm(stream.dir, { recursive: true, force: true }).catch(() => {});
      log.info({ reason }, 'live stream stopped');
    })();
    return stream.stopping;
  }

  /** Stops every stream (their objects are removed). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.streams.values()].map((s) =>
        this.stop(s, 'shutdown', this.logger.child({ roomId: s.room.id })),
      ),
    );
  }
}
