import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { types } from 'mediasoup';
import type { Logger } from '@learnlive/common';
import type { Peer } from './Peer.js';
import type { Room } from './Room.js';

/**
 * Taps mediasoup producers into one ffmpeg over plain RTP (recording, live-to-HLS).
 *
 * mediasoup sends, ffmpeg listens: for each producer a `PlainTransport` (`comedia: false`,
 * `rtcpMux: false`) is connected to a port pair ffmpeg binds from an SDP file. RTCP goes to the
 * port after the RTP port (ffmpeg's default), and its sender reports are what lets ffmpeg line
 * audio up with video. The consumer starts paused, ffmpeg is spawned, then the consumer resumes
 * and key frames are asked for until ffmpeg has written some: ffmpeg needs one to learn the
 * video's size and never sends PLI/FIR itself. For the same reason they are asked for again
 * whenever ffmpeg logs a lost packet or its output stops advancing: without that, one lost
 * packet froze the live stream for good (Chromium makes key frames only when asked).
 */

/** ffmpeg's stderr lines that mean video packets were lost or a frame could not be decoded. */
const LOSS = /missed \d+ packets|Missed a picture|Keyframe missing|sequence broken|corrupt|concealing/i;

/** Loopback by default: ffmpeg runs next to the worker. */
export const TAP_IP = '127.0.0.1';

export interface RtpTap {
  readonly kind: types.MediaKind;
  readonly producerId: string;
  readonly consumer: types.Consumer;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  /** This stream's `m=` section of the SDP ffmpeg reads. */
  sdpMedia(): string;
  close(): void;
}

function bindUdp(ip: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(port, ip, () => resolve(socket));
  });
}

function closeUdp(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/**
 * Two consecutive free UDP ports (RTP even, RTCP the next), found by binding and releasing
 * them. ffmpeg binds them a moment later; another process could take one meanwhile, in which
 * case ffmpeg fails to start and the caller reports it.
 */
export async function reserveUdpPortPair(
  ip = TAP_IP,
  tries = 20,
): Promise<{ rtpPort: number; rtcpPort: number }> {
  for (let i = 0; i < tries; i++) {
    const first = await bindUdp(ip, 0);
    const port = first.address().port;
    const rtpPort = port % 2 === 0 ? port : port + 1;
    if (rtpPort + 1 > 65535) {
      await closeUdp(first);
      continue;
    }
    const held = [first];
    try {
      if (rtpPort !== port) held.push(await bindUdp(ip, rtpPort));
      held.push(await bindUdp(ip, rtpPort + 1));
      return { rtpPort, rtcpPort: rtpPort + 1 };
    } catch {
      // taken: try another pair
    } finally {
      await Promise.all(held.map(closeUdp));
    }
  }
  throw new Error('no free UDP port pair for ffmpeg');
}

/**
 * What the tap consumer may receive: the router's codecs of this kind without RTX and without
 * feedback (ffmpeg sends no NACK/PLI), and no header extensions (ffmpeg skips them anyway).
 */
function tapCapabilities(router: types.Router, kind: types.MediaKind): types.RtpCapabilities {
  return {
    codecs: (router.rtpCapabilities.codecs ?? [])
      .filter((c) => c.kind === kind && !/\/rtx$/i.test(c.mimeType))
      .map((c) => ({ ...c, rtcpFeedback: [] })),
    headerExtensions: [],
  };
}

/** A paused consumer of `producer` on its own plain transport, sending to a fresh port pair. */
export async function createRtpTap(
  router: types.Router,
  producer: types.Producer,
  ip = TAP_IP,
): Promise<RtpTap> {
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip },
    rtcpMux: false,
    comedia: false,
  });
  try {
    const { rtpPort, rtcpPort } = await reserveUdpPortPair(ip);
    await transport.connect({ ip, port: rtpPort, rtcpPort });
    const consumer = await transport.consume({
      producerId: producer.id,
      rtpCapabilities: tapCapabilities(router, producer.kind),
      paused: true,
    });
    // Simulcast cameras: the best layer is recorded (no bandwidth estimation on this transport).
    if (consumer.type === 'simulcast' || consumer.type === 'svc')
      await consumer.setPreferredLayers({ spatialLayer: 3, temporalLayer: 3 });
    consumer.observer.once('close', () => transport.close());
    return {
      kind: producer.kind,
      producerId: producer.id,
      consumer,
      rtpPort,
      rtcpPort,
      sdpMedia: () => sdpMedia(producer.kind, rtpPort, consumer.rtpParameters),
      close: () => transport.close(),
    };
  } catch (err) {
    transport.close();
    throw err;
  }
}

function sdpMedia(kind: types.MediaKind, port: number, rtp: types.RtpParameters): string {
  const codec = rtp.codecs[0]!;
  const name = codec.mimeType.split('/')[1]!;
  const lines = [
    `m=${kind} ${port} RTP/AVP ${codec.payloadType}`,
    `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${codec.channels && codec.channels > 1 ? `/${codec.channels}` : ''}`,
  ];
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(';');
  if (fmtp) lines.push(`a=fmtp:${codec.payloadType} ${fmtp}`);
  lines.push('a=recvonly');
  return lines.join('\r\n');
}

/** Kinds and codecs of `producers`: a replacement set must match for ffmpeg's output to continue. */
export const layoutOf = (producers: readonly types.Producer[]) =>
  producers.map((p) => `${p.kind}:${p.rtpParameters.codecs[0]?.mimeType.toLowerCase()}`).join(',');

/** The SDP ffmpeg reads to receive `taps` (one `m=` section each, in order). */
export function sdpFor(taps: readonly RtpTap[], ip = TAP_IP): string {
  return (
    [
      'v=0',
      `o=- 0 0 IN IP4 ${ip}`,
      's=LearnLive tap',
      `c=IN IP4 ${ip}`,
      't=0 0',
      ...taps.map((t) => t.sdpMedia()),
    ].join('\r\n') + '\r\n'
  );
}

/** Calls `onLine` with each complete line `stream` yields (a partial last line waits for its end). */
function onLines(stream: Readable, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}

export interface TapFfmpegOptions {
  /** ffmpeg binary. @default 'ffmpeg' */
  ffmpegPath?: string;
  /** Where the SDP file is written. */
  workDir: string;
  /** Output options and output(s), after the SDP input. */
  outputArgs: string[];
  /** Called with ffmpeg's stderr lines (warnings, errors). */
  onStderr?: (line: string) => void;
  /** Key frames are asked for until ffmpeg has written this many video frames. @default 1 */
  keyFrameUntilFrames?: number;
  /** How often key frames are asked for until then, and checked for a stall after. @default 1000 */
  keyFrameIntervalMs?: number;
}

export interface TapFfmpeg {
  readonly process: ChildProcess;
  /** Resolves with ffmpeg's exit code (or the signal name) once it has exited. */
  readonly exited: Promise<number | string>;
  /** Progress: output frames and microseconds written so far. */
  readonly progress: { frames: number; outTimeUs: number };
  /**
   * Asks ffmpeg to finish (`q` on stdin, then SIGINT, then SIGKILL after `graceMs` each) so
   * the output is finalized; resolves with the exit code. Idempotent.
   *
   * ffmpeg reads `q` only between packets: with no packet coming (every source closed) it ends
   * at its 10 s input timeout, whatever is sent; a single SIGINT ends it cleanly then too, a
   * second one at once but without a readable file (ffmpeg 5.1, measured).
   */
  stop(graceMs?: number): Promise<number | string>;
}

/**
 * Spawns ffmpeg reading the taps' SDP, then resumes the consumers and asks for key frames until
 * video has been written. The caller closes the taps after ffmpeg exits.
 */
export async function runFfmpegOnTaps(
  taps: readonly RtpTap[],
  options: TapFfmpegOptions,
): Promise<TapFfmpeg> {
  const sdpPath = join(options.workDir, 'input.sdp');
  await writeFile(sdpPath, sdpFor(taps));
  const child = spawn(
    options.ffmpegPath ?? 'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'warning',
      '-nostats',
      '-progress',
      'pipe:1',
      '-protocol_whitelist',
      'file,udp,rtp',
      // Live input: generate missing pts, and do not wait long for streams to show.
      '-fflags',
      '+genpts',
      // An upper bound: probing ends as soon as every stream is known (a video stream once its
      // first key frame came).
      '-analyzeduration',
      '5000000',
      '-i',
      sdpPath,
      ...options.outputArgs,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const progress = { frames: 0, outTimeUs: 0 };
  onLines(child.stdout!, (line) => {
    const [key, value] = line.split('=');
    if (key === 'frame') progress.frames = Number(value) || progress.frames;
    else if (key === 'out_time_us') progress.outTimeUs = Number(value) || progress.outTimeUs;
  });
  const videoTaps = taps.filter((t) => t.kind === 'video');
  // ffmpeg sends no PLI: a lost packet leaves the video undecodable until the next key frame,
  // which a WebRTC publisher only makes when asked. We ask for it in ffmpeg's place, at most
  // once per interval, when ffmpeg reports a loss or its output stops advancing.
  let lastRequest = 0;
  const requestKeyFrame = () => {
    if (videoTaps.length === 0 || Date.now() - lastRequest < 500) return;
    lastRequest = Date.now();
    for (const tap of videoTaps) void tap.consumer.requestKeyFrame().catch(() => {});
  };
  onLines(child.stderr!, (line) => {
    if (!line.trim()) return;
    if (LOSS.test(line)) requestKeyFrame();
    options.onStderr?.(line.trim());
  });
  child.stdin!.on('error', () => {}); // ffmpeg gone before `q`: exit handles it
  const exited = new Promise<number | string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  exited.catch(() => {});

  for (const tap of taps) await tap.consumer.resume();
  const wanted = options.keyFrameUntilFrames ?? 1;
  let framesSeen = -1;
  const keyFrames = setInterval(() => {
    if (videoTaps.length === 0) return clearInterval(keyFrames);
    // Until video is written, and whenever it stalls (a loss ffmpeg did not log).
    if (progress.frames < wanted || progress.frames === framesSeen) requestKeyFrame();
    framesSeen = progress.frames;
  }, options.keyFrameIntervalMs ?? 1000);
  keyFrames.unref();
  requestKeyFrame();
  void exited.finally(() => clearInterval(keyFrames)).catch(() => {});

  let stopping: Promise<number | string> | undefined;
  const stop = (graceMs = 5000) => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      const escalate = (signal: NodeJS.Signals) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            resolve();
          }, graceMs);
          timer.unref();
          void exited.finally(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      child.stdin!.end('q');
      await escalate('SIGINT');
      await escalate('SIGKILL');
      return exited;
    })();
    return stopping;
  };
  return { process: child, exited, progress, stop };
}

/**
 * How long `stop` gives an ffmpeg whose sources all closed at each step: it reads no `q` and a
 * single SIGINT takes effect only at its 10 s input timeout, so SIGKILL must come after that
 * (or the output is left unfinalized).
 */
const SILENT_STOP_GRACE_MS = 15_000;

/** Every source of these taps closed: their ffmpeg gets no packet any more. */
const allClosed = (taps: readonly RtpTap[]) => taps.length > 0 && taps.every((t) => t.consumer.closed);

/** How a `TapChain`'s running ffmpeg ended without being stopped. */
export type TapChainEnd = 'sources_closed' | 'ffmpeg_exited' | 'ffmpeg_failed' | 'switch_failed';

export interface TapChainOptions {
  /** ffmpeg's options for run `n` (1 for the first; a later run follows a replaced source). */
  ffmpeg(n: number): TapFfmpegOptions;
  /** How long ffmpeg gets to finish at each step of `stop` (`q`, SIGINT, SIGKILL). @default 5000 */
  graceMs?: number;
  /**
   * The running ffmpeg ended by itself: it exited (code 0 or not), every tapped source closed,
   * or a replaced source could not be tapped. Not called for runs ended by `stop` or a switch.
   * The chain still follows its owner's new producers afterwards, until `stop`: a caller that
   * waits for them (a recording while the teacher reloads) keeps it, the others stop it.
   */
  onEnd(end: TapChainEnd, err?: unknown): void;
  /** A new run started on `owner`'s replacement sources (run 2 and later). */
  onRun?(owner: Peer, run: number): void;
  /**
   * A run whose sources all closed ends in the background (ffmpeg's 10 s input timeout, see
   * `TapFfmpeg.stop`) while the next one starts at once, and `stop` waits for both. Only for
   * runs that write separate outputs (recording parts; not a live playlist). @default false
   */
  overlapRuns?: boolean;
  logger: Logger;
}

/**
 * One user's sources tapped into ffmpeg, run after run (recordings, live streams). When a tapped
 * source has closed and the user publishes a source of the same kind again with the same kinds
 * and codecs overall (camera off and on, another device, camera replaced by a screen share, or
 * a new peer after a page reload or a reconnect), the running ffmpeg is stopped and the next run
 * starts on the new sources: a new producer cannot feed the running ffmpeg, its first packets
 * would be timed against the old stream.
 */
export class TapChain {
  taps: RtpTap[] = [];
  ffmpeg?: TapFfmpeg;
  /** Runs started so far. */
  runs = 0;
  /**
   * The user whose producers are tapped (a user, not a peer: the same user rejoining gets a new
   * peer), and their kinds and codecs.
   */
  readonly ownerUserId: string | undefined;
  readonly layout: string;
  private switching?: Promise<void>;
  private stopping?: Promise<unknown>;
  /** Earlier runs still finishing (`overlapRuns`). */
  private readonly draining = new Set<Promise<unknown>>();

  constructor(
    private readonly room: Room,
    private readonly sources: readonly types.Producer[],
    private readonly options: TapChainOptions,
  ) {
    this.ownerUserId = room.peers.get((sources[0]!.appData as { peerId: string }).peerId)?.userId;
    this.layout = layoutOf(sources);
  }

  /** Starts the first run (on failure its taps are closed), then follows the owner's new producers. */
  async start(): Promise<void> {
    await this.run(this.sources);
    if (!this.stopping) this.room.on('producer', this.onProducer);
  }

  private async run(sources: readonly types.Producer[]): Promise<void> {
    const taps: RtpTap[] = [];
    try {
      for (const producer of sources) taps.push(await createRtpTap(this.room.router, producer));
      const ffmpeg = await runFfmpegOnTaps(taps, this.options.ffmpeg(this.runs + 1));
      this.runs++;
      this.taps = taps;
      this.ffmpeg = ffmpeg;
      const current = () => this.ffmpeg === ffmpeg && !this.stopping;
      void ffmpeg.exited.then(
        (code) => current() && this.options.onEnd(code === 0 ? 'ffmpeg_exited' : 'ffmpeg_failed'),
        () => current() && this.options.onEnd('ffmpeg_failed'),
      );
      for (const tap of taps) {
        tap.consumer.on('producerclose', () => {
          if (current() && allClosed(taps)) this.options.onEnd('sources_closed');
        });
      }
    } catch (err) {
      for (const tap of taps) tap.close();
      throw err;
    }
  }

  /** `owner` published `producer` (the room's `producer` event): the next run if it replaces a closed source. */
  private readonly onProducer = (owner: Peer, producer: types.Producer): void => {
    if (this.stopping || this.switching || owner.userId !== this.ownerUserId) return;
    if (!this.taps.find((t) => t.kind === producer.kind)?.consumer.closed) return;
    const sources = this.room.teacherSources(owner);
    if (layoutOf(sources) !== this.layout) return;
    this.switching = (async () => {
      const previous = { ffmpeg: this.ffmpeg, taps: this.taps };
      this.ffmpeg = undefined;
      const ended = previous.ffmpeg?.stop(this.graceFor(previous.taps)).catch(() => undefined);
      if (ended && this.options.overlapRuns && allClosed(previous.taps)) {
        // No packet will come: waiting would cost the new sources up to 10 s of recording.
        this.draining.add(ended);
        void ended.finally(() => this.draining.delete(ended));
      } else await ended;
      for (const tap of previous.taps) tap.close();
      if (this.stopping) return;
      await this.run(sources);
      this.options.logger.info({ run: this.runs, peerId: owner.id }, 'tapping continues with a new source');
      this.options.onRun?.(owner, this.runs);
    })()
      .catch((err: unknown) => this.options.onEnd('switch_failed', err))
      .finally(() => (this.switching = undefined));
  };

  /** `stop`'s grace for the ffmpeg reading `taps`: longer when no packet will come. */
  private graceFor(taps: readonly RtpTap[]): number {
    const graceMs = this.options.graceMs ?? 5000;
    return allClosed(taps) ? Math.max(graceMs, SILENT_STOP_GRACE_MS) : graceMs;
  }

  /**
   * Ends the chain once: waits for a switch under way, lets ffmpeg finalize its output, closes
   * the taps. Resolves with ffmpeg's exit code (or the error stopping it), undefined if none ran.
   */
  stop(): Promise<unknown> {
    this.room.off('producer', this.onProducer);
    this.stopping ??= (async () => {
      await this.switching;
      const code = await this.ffmpeg?.stop(this.graceFor(this.taps)).catch((err: unknown) => err);
      await Promise.all(this.draining);
      for (const tap of this.taps) tap.close();
      return code;
    })();
    return this.stopping;
  }
}
