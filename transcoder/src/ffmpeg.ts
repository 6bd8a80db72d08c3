import { spawn, type ChildProcess } from 'node:child_process';

export interface FfmpegRun {
  /** Called with 0..1 as `-progress pipe:1` reports frames. */
  onProgress?: (fraction: number) => void;
  /** Frames the first output will have (duration x fps), to turn `frame=` into a fraction. */
  expectedFrames: number;
  signal?: AbortSignal;
  /** Tests and the fault suite reach the process through this. */
  onSpawn?: (child: ChildProcess) => void;
}

export class FfmpegError extends Error {
  override readonly name = 'FfmpegError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signalName: NodeJS.Signals | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * Spawns ffmpeg with `args` (no shell) and resolves when it exits 0. An aborted signal kills it
 * (SIGKILL: nothing of a cancelled job is worth flushing) and rejects with the signal's reason.
 */
export function runFfmpeg(ffmpegPath: string, args: readonly string[], run: FfmpegRun): Promise<void> {
  return new Promise((resolve, reject) => {
    if (run.signal?.aborted) {
      reject(run.signal.reason);
      return;
    }
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    run.onSpawn?.(child);
    let stderr = '';
    let pending = '';
    let lastFraction = -1;
    const abort = () => child.kill('SIGKILL');
    run.signal?.addEventListener('abort', abort, { once: true });
    child.stderr.on('data', (chunk: Buffer) => {
      // Bounded: a damaged input can print a line per frame.
      if (stderr.length < 16_000) stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^frame=(\d+)/.exec(line);
        if (match && run.expectedFrames > 0) {
          const fraction = Math.min(1, Number(match[1]) / run.expectedFrames);
          if (fraction !== lastFraction) {
            lastFraction = fraction;
            run.onProgress?.(fraction);
          }
        }
      }
    });
    child.on('error', (err) => {
      run.signal?.removeEventListener('abort', abort);
      reject(err);
    });
    child.on('close', (code, signalName) => {
      run.signal?.removeEventListener('abort', abort);
      if (run.signal?.aborted) reject(run.signal.reason);
      else if (code === 0) resolve();
      else
        reject(
          new FfmpegError(
            `ffmpeg exited with ${code ?? signalName}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
            code,
            signalName,
            stderr,
          ),
        );
    });
  });
}
