import { spawn } from 'node:child_process';
import { z } from 'zod';

const StreamSchema = z.object({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  bit_rate: z.string().optional(),
  duration: z.string().optional(),
  disposition: z.object({ attached_pic: z.number().optional() }).partial().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  side_data_list: z.array(z.object({ rotation: z.number().optional() }).loose()).optional(),
});
const ProbeOutputSchema = z.object({
  streams: z.array(StreamSchema).default([]),
  format: z
    .object({
      format_name: z.string().optional(),
      duration: z.string().optional(),
      bit_rate: z.string().optional(),
      size: z.string().optional(),
    })
    .optional(),
});

/** What the pipeline needs to know about a source, after validation. */
export interface SourceInfo {
  /** Displayed size (rotation applied). */
  width: number;
  height: number;
  fps: number;
  durationSeconds: number;
  /** Bits per second of the video stream (estimated from the container when not stated). */
  videoBitrate: number | undefined;
  videoCodec: string;
  hasAudio: boolean;
}

/** The upload cannot become a lesson video; `reason` is shown to the instructor as is. */
export class MediaRejectedError extends Error {
  override readonly name = 'MediaRejectedError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface ProbeLimits {
  maxDurationSeconds: number;
  maxWidth: number;
  maxHeight: number;
}

/** Decoders we accept: what browsers' cameras, phones and screen recorders produce. */
export const SUPPORTED_VIDEO_CODECS: ReadonlySet<string> = new Set([
  'h264',
  'hevc',
  'vp8',
  'vp9',
  'av1',
  'mpeg4',
  'mpeg2video',
  'prores',
  'mjpeg',
]);

/** Runs ffprobe; a file ffprobe cannot read at all is rejected as not a video (or corrupt). */
export async function ffprobe(ffprobePath: string, file: string, signal?: AbortSignal): Promise<unknown> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file];
  return new Promise((resolve, reject) => {
    const child = spawn(ffprobePath, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new MediaRejectedError(
            `The file could not be read as a video (it is not a video, or it is damaged): ${firstLine(err)}`,
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(out));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').replace(/^.*?: /, '').slice(0, 200) || 'unknown error';
}

function rate(value: string | undefined): number {
  if (!value) return 0;
  const [n, d] = value.split('/').map(Number);
  if (!n || !d) return 0;
  return n / d;
}

/** Validates ffprobe's answer against our limits: everything wrong becomes a readable reason. */
export function interpretProbe(raw: unknown, limits: ProbeLimits): SourceInfo {
  const parsed = ProbeOutputSchema.safeParse(raw);
  if (!parsed.success) throw new MediaRejectedError('The file could not be read as a video.');
  const { streams, format } = parsed.data;
  const formatName = format?.format_name ?? '';
  // Still images (a PNG renamed .mp4, a JPEG) probe as one-frame "video" streams.
  if (/image2|png_pipe|jpeg_pipe|webp_pipe|gif/.test(formatName)) {
    throw new MediaRejectedError('The file is an image, not a video.');
  }
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) throw new MediaRejectedError('The file has no video stream (audio only or not a video).');
  const codec = video.codec_name ?? 'unknown';
  if (!SUPPORTED_VIDEO_CODECS.has(codec)) {
    throw new MediaRejectedError(`The video codec "${codec}" is not supported.`);
  }
  const duration = Number(format?.duration ?? video.duration ?? 0);
  if (!Number.isFinite(duration) || duration <= 0.1) {
    throw new MediaRejectedError('The video has no duration (it is empty or damaged).');
  }
  if (duration > limits.maxDurationSeconds) {
    throw new MediaRejectedError(
      `The video is ${Math.round(duration / 60)} minutes long; the limit is ${Math.round(limits.maxDurationSeconds / 60)} minutes.`,
    );
  }
  let width = video.width ?? 0;
  let height = video.height ?? 0;
  if (width < 16 || height < 16) throw new MediaRejectedError('The video has no usable picture size.');
  const rotation = Math.abs(video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0);
  const rotateTag = Math.abs(Number(video.tags?.rotate ?? 0));
  if (rotation === 90 || rotation === 270 || rotateTag === 90 || rotateTag === 270) {
    [width, height] = [height, width];
  }
  if (
    Math.max(width, height) > Math.max(limits.maxWidth, limits.maxHeight) ||
    Math.min(width, height) > Math.min(limits.maxWidth, limits.maxHeight)
  ) {
    throw new MediaRejectedError(
      `The picture is ${width}x${height}; the largest accepted is ${limits.maxWidth}x${limits.maxHeight}.`,
    );
  }
  let fps = rate(video.avg_frame_rate) || rate(video.r_frame_rate);
  if (!(fps > 0) || fps > 240) fps = 30;
  const audio = streams.some((s) => s.codec_type === 'audio');
  const stated = Number(video.bit_rate);
  const container = Number(format?.bit_rate);
  const videoBitrate =
    stated > 0 ? stated : container > 0 ? Math.max(0, container - (audio ? 128_000 : 0)) : undefined;
  return {
    width,
    height,
    fps,
    durationSeconds: duration,
    videoBitrate,
    videoCodec: codec,
    hasAudio: audio,
  };
}
