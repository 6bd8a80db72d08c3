import { spawn } from 'node:child_process';

export interface SourceSpec {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  audio: boolean;
}

/**
 * Writes a synthetic lesson video (moving test pattern, optional tone) with ffmpeg: the
 * sources of the transcoder's tests and benchmark. Encoded fast (ultrafast), H.264 + AAC in MP4.
 */
export function generateSource(ffmpegPath: string, file: string, spec: SourceSpec): Promise<void> {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`,
  ];
  if (spec.audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push(
    '-t',
    String(spec.seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '20',
    '-pix_fmt',
    'yuv420p',
  );
  if (spec.audio) args.push('-c:a', 'aac', '-b:a', '128k');
  args.push('-movflags', '+faststart', file);
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed: ${err}`))));
  });
}
