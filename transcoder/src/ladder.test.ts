import { describe, expect, it } from 'vitest';
import { chooseLadder } from './ladder.js';
import { interpretProbe, MediaRejectedError } from './probe.js';
import type { SourceInfo } from './probe.js';

const source = (over: Partial<SourceInfo>): SourceInfo => ({
  width: 1920,
  height: 1080,
  fps: 30,
  durationSeconds: 60,
  videoBitrate: undefined,
  videoCodec: 'h264',
  hasAudio: true,
  ...over,
});

describe('chooseLadder', () => {
  it('a 1080p source gets every rung, top first, one GOP per 4 s segment', () => {
    const ladder = chooseLadder(source({}));
    expect(ladder.rungs.map((r) => `${r.width}x${r.height}`)).toEqual([
      '1920x1080',
      '1280x720',
      '854x480',
      '640x360',
    ]);
    expect(ladder.gop).toBe(120);
    expect(ladder.audio).toEqual({ bitrate: 128_000 });
  });

  it('never upscales: a 720p source starts at 720p; a portrait source uses its short side', () => {
    expect(chooseLadder(source({ width: 1280, height: 720 })).rungs.map((r) => r.name)).toEqual([
      '720p',
      '480p',
      '360p',
    ]);
    const portrait = chooseLadder(source({ width: 720, height: 1280 }));
    expect(portrait.rungs.map((r) => `${r.width}x${r.height}`)).toEqual(['720x1280', '480x854', '360x640']);
  });

  it('a source below 360p gets one rung at its own size', () => {
    expect(
      chooseLadder(source({ width: 320, height: 240 })).rungs.map((r) => `${r.width}x${r.height}`),
    ).toEqual(['320x240']);
  });

  it('bitrate grows with frame rate and is capped relative to the source', () => {
    const at30 = chooseLadder(source({})).rungs[0]!.bitrate;
    const at60 = chooseLadder(source({ fps: 60 }));
    expect(at60.rungs[0]!.bitrate).toBeGreaterThan(at30);
    expect(at60.gop).toBe(240);
    const starved = chooseLadder(source({ videoBitrate: 1_000_000 }));
    expect(starved.rungs[0]!.bitrate).toBeLessThanOrEqual(1_500_000);
    expect(starved.rungs.every((r, i, all) => i === 0 || r.bitrate <= all[i - 1]!.bitrate)).toBe(true);
  });

  it('no audio, no audio rendition', () => {
    expect(chooseLadder(source({ hasAudio: false })).audio).toBeUndefined();
  });
});

describe('interpretProbe', () => {
  const limits = { maxDurationSeconds: 3600, maxWidth: 3840, maxHeight: 2160 };
  const probe = (
    streams: unknown[],
    format: Record<string, string> = { duration: '10', format_name: 'mov,mp4' },
  ) => ({
    streams,
    format,
  });
  const video = {
    index: 0,
    codec_type: 'video',
    codec_name: 'h264',
    width: 1280,
    height: 720,
    avg_frame_rate: '30/1',
  };
  const reason = (raw: unknown) => {
    try {
      interpretProbe(raw, limits);
    } catch (err) {
      if (err instanceof MediaRejectedError) return err.reason;
      throw err;
    }
    return 'accepted';
  };

  it('accepts a normal video and reads its facts', () => {
    expect(interpretProbe(probe([video, { index: 1, codec_type: 'audio' }]), limits)).toMatchObject({
      width: 1280,
      height: 720,
      fps: 30,
      hasAudio: true,
      durationSeconds: 10,
    });
  });
  it('rejects with a reason the instructor can read', () => {
    expect(reason(probe([{ index: 0, codec_type: 'audio' }]))).toMatch(/no video stream/);
    expect(reason(probe([video], { duration: '0' }))).toMatch(/no duration/);
    expect(reason(probe([video], { duration: '99999' }))).toMatch(/limit is 60 minutes/);
    expect(reason(probe([{ ...video, codec_name: 'cinepak' }]))).toMatch(/codec "cinepak" is not supported/);
    expect(reason(probe([{ ...video, width: 7680, height: 4320 }]))).toMatch(/largest accepted/);
    expect(reason(probe([video], { duration: '1', format_name: 'png_pipe' }))).toMatch(/image/);
  });
  it('swaps the size of a rotated phone video', () => {
    const rotated = { ...video, side_data_list: [{ rotation: -90 }] };
    expect(interpretProbe(probe([rotated]), limits)).toMatchObject({ width: 720, height: 1280 });
  });
});
