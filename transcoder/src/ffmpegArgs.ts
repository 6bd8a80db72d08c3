import { join } from 'node:path';
import type { Ladder } from './ladder.js';
import type { SourceInfo } from './probe.js';

/** Storyboard geometry: thumbnails every `intervalSeconds`, `columns`x`rows` per sprite sheet. */
export interface StoryboardPlan {
  intervalSeconds: number;
  thumbWidth: number;
  thumbHeight: number;
  columns: number;
  rows: number;
}

export interface LadderCommand {
  input: string;
  outDir: string;
  ladder: Ladder;
  source: SourceInfo;
  storyboard: StoryboardPlan | undefined;
  /** Seconds into the source of the poster frame. */
  posterAt: number | undefined;
  /** x264 preset. @default 'veryfast' */
  preset?: string;
}

/** Names of what the command writes under `outDir`. */
export const OUTPUT = {
  master: 'master.m3u8',
  poster: 'poster.jpg',
  storyboardDir: 'storyboard',
  storyboardSheet: (n: number) => `sb_${String(n).padStart(3, '0')}.jpg`,
  storyboardVtt: 'storyboard.vtt',
  audioName: 'audio',
} as const;

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

export function planStoryboard(source: SourceInfo): StoryboardPlan {
  // About 100 thumbnails whatever the length, at most one per second.
  const intervalSeconds = Math.max(1, Math.ceil(source.durationSeconds / 100));
  const landscape = source.width >= source.height;
  const thumbWidth = landscape ? 160 : even((160 * source.width) / source.height);
  const thumbHeight = landscape ? even((160 * source.height) / source.width) : 160;
  return { intervalSeconds, thumbWidth, thumbHeight, columns: 10, rows: 10 };
}

/**
 * ONE ffmpeg process: decode once, `split` to every rung (plus poster and storyboard), encode
 * each with the same GOP so segments are keyframe-aligned across rungs, and write fMP4 HLS with
 * a master playlist (BANDWIDTH, RESOLUTION, CODECS, audio group). Progress on stdout.
 */
export function buildLadderArgs(cmd: LadderCommand): string[] {
  const { ladder, source, outDir } = cmd;
  const rungs = ladder.rungs;
  const extras = (cmd.storyboard ? 1 : 0) + (cmd.posterAt !== undefined ? 1 : 0);
  const branches = rungs.length + extras;
  // Frame rate normalised once before the split (sources above 60 fps are halved or so).
  const pre = [source.fps > ladder.fps + 0.01 ? `fps=${ladder.fps}` : undefined, 'format=yuv420p']
    .filter(Boolean)
    .join(',');
  const labels = Array.from({ length: branches }, (_, i) => `[s${i}]`).join('');
  const filters = [`[0:v:0]${pre},split=${branches}${labels}`];
  rungs.forEach((rung, i) => filters.push(`[s${i}]scale=${rung.width}:${rung.height}:flags=bicubic[v${i}]`));
  let next = rungs.length;
  if (cmd.posterAt !== undefined) {
    const top = rungs[0]!;
    filters.push(
      `[s${next}]select=gte(t\\,${cmd.posterAt.toFixed(2)}),scale=${top.width}:${top.height}[poster]`,
    );
    next += 1;
  }
  if (cmd.storyboard) {
    const sb = cmd.storyboard;
    filters.push(
      `[s${next}]fps=1/${sb.intervalSeconds},scale=${sb.thumbWidth}:${sb.thumbHeight},tile=${sb.columns}x${sb.rows}[sb]`,
    );
  }

  const args: string[] = [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
  ];
  args.push('-i', cmd.input, '-filter_complex', filters.join(';'));

  // Output 0: the HLS ladder (first, so progress's `frame=` counts the top rung's frames).
  rungs.forEach((_, i) => args.push('-map', `[v${i}]`));
  if (ladder.audio) args.push('-map', '0:a:0');
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    cmd.preset ?? 'veryfast',
    '-profile:v',
    'high',
    '-g',
    String(ladder.gop),
    '-keyint_min',
    String(ladder.gop),
    '-sc_threshold',
    '0',
    // A key frame at every segment boundary by time: `-g` counts frames, and a variable-frame-rate
    // source (a screen recording) reaches it late, so segments ran to twice the target.
    '-force_key_frames',
    `expr:gte(t,n_forced*${ladder.segmentSeconds})`,
    '-r',
    String(ladder.fps),
  );
  rungs.forEach((rung, i) => {
    args.push(
      `-b:v:${i}`,
      String(rung.bitrate),
      `-maxrate:v:${i}`,
      String(rung.maxrate),
      `-bufsize:v:${i}`,
      String(rung.bufsize),
      `-level:v:${i}`,
      rung.level,
    );
  });
  if (ladder.audio) {
    args.push('-c:a', 'aac', '-b:a', String(ladder.audio.bitrate), '-ac', '2', '-ar', '48000');
  }
  const streamMap = rungs.map((rung, i) => `v:${i},${ladder.audio ? 'agroup:aud,' : ''}name:${rung.name}`);
  if (ladder.audio) streamMap.push(`a:0,agroup:aud,name:${OUTPUT.audioName},default:yes`);
  args.push(
    '-f',
    'hls',
    '-hls_time',
    String(ladder.segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'independent_segments',
    '-hls_fmp4_init_filename',
    'init.mp4',
    '-hls_segment_filename',
    join(outDir, '%v', 'seg_%05d.m4s'),
    '-master_pl_name',
    OUTPUT.master,
    '-var_stream_map',
    streamMap.join(' '),
    join(outDir, '%v', 'index.m3u8'),
  );
  if (cmd.posterAt !== undefined) {
    args.push('-map', '[poster]', '-frames:v', '1', '-q:v', '3', '-update', '1', join(outDir, OUTPUT.poster));
  }
  if (cmd.storyboard) {
    args.push(
      '-map',
      '[sb]',
      '-q:v',
      '5',
      '-start_number',
      '1',
      join(outDir, OUTPUT.storyboardDir, 'sb_%03d.jpg'),
    );
  }
  return args;
}

/** The storyboard's WebVTT: one cue per thumbnail, pointing into its sprite sheet. */
export function storyboardVtt(
  plan: StoryboardPlan,
  durationSeconds: number,
  sheetUrl: (n: number) => string,
): string {
  const count = Math.max(1, Math.ceil(durationSeconds / plan.intervalSeconds));
  const perSheet = plan.columns * plan.rows;
  const lines = ['WEBVTT', ''];
  for (let k = 0; k < count; k++) {
    const start = k * plan.intervalSeconds;
    const end = Math.min(durationSeconds, (k + 1) * plan.intervalSeconds);
    const cell = k % perSheet;
    const x = (cell % plan.columns) * plan.thumbWidth;
    const y = Math.floor(cell / plan.columns) * plan.thumbHeight;
    lines.push(
      `${vttTime(start)} --> ${vttTime(end)}`,
      `${sheetUrl(Math.floor(k / perSheet) + 1)}#xywh=${x},${y},${plan.thumbWidth},${plan.thumbHeight}`,
      '',
    );
  }
  return lines.join('\n');
}

export function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}
