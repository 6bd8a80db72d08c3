import type { types } from 'mediasoup';
import type { Logger } from '@learnlive/common';
import type { PeerProducer } from '../room/appData.js';
import type { Peer } from '../room/Peer.js';
import type { Room } from '../room/Room.js';
import { createRtpTap, type RtpTap } from './rtpTap.js';
import { runFfmpegOnTaps, type TapFfmpeg, type TapFfmpegOptions } from './tapFfmpeg.js';

/** Kinds and codecs of `producers`: a replacement set must match for ffmpeg's output to continue. */
export const layoutOf = (producers: readonly types.Producer[]) =>
  producers.map((p) => `${p.kind}:${p.rtpParameters.codecs[0]?.mimeType.toLowerCase()}`).join(',');

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
    private readonly sources: readonly PeerProducer[],
    private readonly options: TapChainOptions,
  ) {
    this.ownerUserId = room.peers.get(sources[0]!.appData.peerId)?.userId;
    this.layout = layoutOf(sources);
  }

  /** Starts the first run (on failure its taps are closed), then follows the owner's new producers. */
  async start(): Promise<void> {
    await this.run(this.sources);
    if (!this.stopping) this.room.on('producer', this.onProducer);
  }

  private async run(sources: readonly PeerProducer[]): Promise<void> {
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
  private readonly onProducer = (owner: Peer, producer: PeerProducer): void => {
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
