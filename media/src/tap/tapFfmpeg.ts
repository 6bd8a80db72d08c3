import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { TAP_IP, type RtpTap } from './rtpTap.js';
import { sdpSession } from './sdp.js';

/*
 * ffmpeg reading taps: spawned on the taps' SDP, then the consumers resume and key frames are
 * asked for until ffmpeg has written some: ffmpeg needs one to learn the video's size and never
 * sends PLI/FIR itself. For the same reason they are asked for again whenever ffmpeg logs a lost
 * packet or its output stops advancing: without that, one lost packet froze the live stream for
 * good (Chromium makes key frames only when asked).
 */

/** ffmpeg's stderr lines that mean video packets were lost or a frame could not be decoded. */
const LOSS = /missed \d+ packets|Missed a picture|Keyframe missing|sequence broken|corrupt|concealing/i;

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
  await writeFile(
    sdpPath,
    sdpSession(
      TAP_IP,
      taps.map((t) => t.sdpMedia()),
    ),
  );
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
