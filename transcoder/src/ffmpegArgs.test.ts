import { describe, expect, it } from 'vitest';
import { buildLadderArgs, planStoryboard, storyboardVtt, vttTime } from './ffmpegArgs.js';
import { chooseLadder } from './ladder.js';
import type { SourceInfo } from './probe.js';

const source: SourceInfo = {
  width: 1920,
  height: 1080,
  fps: 30,
  durationSeconds: 250,
  videoBitrate: undefined,
  videoCodec: 'h264',
  hasAudio: true,
};
const arg = (args: string[], name: string) => args[args.indexOf(name) + 1];

describe('buildLadderArgs', () => {
  it('one process: one split to every rung plus poster and storyboard, one GOP per segment in every rung', () => {
    const ladder = chooseLadder(source);
    const args = buildLadderArgs({
      input: 'in.mp4',
      outDir: '/out',
      ladder,
      source,
      storyboard: planStoryboard(source),
      posterAt: 2,
    });
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(arg(args, '-filter_complex')).toContain('split=6[s0][s1][s2][s3][s4][s5]');
    expect(arg(args, '-g')).toBe('120');
    expect(arg(args, '-keyint_min')).toBe('120');
    expect(arg(args, '-sc_threshold')).toBe('0');
    expect(arg(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*4)');
    expect(arg(args, '-hls_time')).toBe('4');
    expect(arg(args, '-hls_segment_type')).toBe('fmp4');
    expect(arg(args, '-progress')).toBe('pipe:1');
    expect(arg(args, '-var_stream_map')).toBe(
      'v:0,agroup:aud,name:1080p v:1,agroup:aud,name:720p v:2,agroup:aud,name:480p v:3,agroup:aud,name:360p a:0,agroup:aud,name:audio,default:yes',
    );
    expect(args).toContain('-b:v:3');
  });

  it('without audio: no audio map, no audio group', () => {
    const silent = { ...source, hasAudio: false, width: 640, height: 360 };
    const args = buildLadderArgs({
      input: 'in.mp4',
      outDir: '/out',
      ladder: chooseLadder(silent),
      source: silent,
      storyboard: undefined,
      posterAt: undefined,
    });
    expect(args).not.toContain('0:a:0');
    expect(args).not.toContain('-c:a');
    expect(arg(args, '-var_stream_map')).toBe('v:0,name:360p');
    expect(arg(args, '-filter_complex')).toBe(
      '[0:v:0]format=yuv420p,split=1[s0];[s0]scale=640:360:flags=bicubic[v0]',
    );
  });
});

describe('storyboard', () => {
  it('maps every interval to a cell of its sprite sheet', () => {
    const plan = planStoryboard(source);
    expect(plan).toMatchObject({ intervalSeconds: 3, thumbWidth: 160, thumbHeight: 90 });
    const vtt = storyboardVtt(plan, 250, (n) => `sb_${n}.jpg`);
    const cues = vtt.split('\n\n').slice(1).filter(Boolean);
    expect(cues).toHaveLength(84);
    expect(cues[0]).toBe('00:00:00.000 --> 00:00:03.000\nsb_1.jpg#xywh=0,0,160,90');
    expect(cues[11]).toBe('00:00:33.000 --> 00:00:36.000\nsb_1.jpg#xywh=160,90,160,90');
    expect(vttTime(3723.5)).toBe('01:02:03.500');
  });
});
