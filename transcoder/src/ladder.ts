import type { SourceInfo } from './probe.js';

/** One video rung: encoded at `width`x`height`, `bitrate` bits per second. */
export interface Rung {
  name: string;
  width: number;
  height: number;
  bitrate: number;
  /** VBV ceiling and buffer: bounded peaks keep BANDWIDTH honest. */
  maxrate: number;
  bufsize: number;
  /** H.264 level for the CODECS attribute and the encoder (`-level`). */
  level: '3.0' | '3.1' | '4.0' | '4.2';
}

export interface Ladder {
  rungs: Rung[];
  /** Frames per second of every rung (the source's, capped at 60). */
  fps: number;
  /** Keyframe interval in frames: one GOP per segment, the same in every rung (aligned switches). */
  gop: number;
  segmentSeconds: number;
  /** Audio-only rendition (and the audio group every video rung uses); absent without audio. */
  audio: { bitrate: number } | undefined;
}

/** Short side of each rung and its bitrate at 30 fps (x264 veryfast, typical lesson content). */
const RUNGS: ReadonlyArray<{ p: number; bitrate30: number }> = [
  { p: 1080, bitrate30: 5_000_000 },
  { p: 720, bitrate30: 2_800_000 },
  { p: 480, bitrate30: 1_400_000 },
  { p: 360, bitrate30: 800_000 },
];
const MIN_BITRATE = 200_000;
const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

function levelFor(width: number, height: number, fps: number): Rung['level'] {
  const macroblocksPerSecond = Math.ceil(width / 16) * Math.ceil(height / 16) * fps;
  if (macroblocksPerSecond <= 40_500) return '3.0';
  if (macroblocksPerSecond <= 108_000) return '3.1';
  if (macroblocksPerSecond <= 245_760) return '4.0';
  return '4.2';
}

/**
 * The ladder for a source: never upscales (each rung's short side is at or below the source's;
 * a source under 360p gets one rung at its own size), bitrate scaled by frame rate and capped
 * relative to the source's own bitrate (re-encoding cannot add detail that is not there).
 */
export function chooseLadder(source: SourceInfo, options: { segmentSeconds?: number } = {}): Ladder {
  const segmentSeconds = options.segmentSeconds ?? 4;
  const fps = Math.min(60, source.fps);
  const shortSide = Math.min(source.width, source.height);
  const portrait = source.height > source.width;
  const aspect = source.width / source.height;
  const fpsFactor = fps > 30 ? 1.5 : fps < 24 ? 0.8 : 1;
  const chosen = RUNGS.filter((r) => r.p <= shortSide);
  const targets = chosen.length > 0 ? chosen : [{ p: even(shortSide), bitrate30: RUNGS.at(-1)!.bitrate30 }];
  const sourcePixels = source.width * source.height;
  const rungs = targets.map(({ p, bitrate30 }): Rung => {
    const width = portrait ? p : even(p * aspect);
    const height = portrait ? even(p / aspect) : p;
    let bitrate = bitrate30 * fpsFactor * (targets === chosen ? 1 : (width * height) / (640 * 360));
    if (source.videoBitrate) {
      // Scale the source's bitrate to this rung's pixel count; allow 1.5x for re-encoding loss.
      const cap = source.videoBitrate * 1.5 * Math.min(1, (width * height) / sourcePixels);
      bitrate = Math.min(bitrate, cap);
    }
    bitrate = Math.round(Math.max(MIN_BITRATE, bitrate) / 1000) * 1000;
    return {
      name: `${p}p`,
      width,
      height,
      bitrate,
      maxrate: Math.round(bitrate * 1.5),
      bufsize: bitrate * 2,
      level: levelFor(width, height, fps),
    };
  });
  return {
    rungs,
    fps,
    gop: Math.max(1, Math.round(fps * segmentSeconds)),
    segmentSeconds,
    audio: source.hasAudio ? { bitrate: 128_000 } : undefined,
  };
}
