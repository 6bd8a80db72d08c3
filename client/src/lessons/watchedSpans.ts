/**
 * Which seconds were actually played, as [from, to) spans: seeking starts a new span, so a
 * learner who skips ahead does not get credit for what was skipped. The server merges spans
 * across reports (replays count once) and decides completion (95% of unique seconds).
 */
export class WatchedSpans {
  private spans: Array<[number, number]> = [];
  private last: number | undefined;

  /** Called on every `timeupdate` while playing. */
  observe(time: number): void {
    const current = this.spans.at(-1);
    // Playback advances by a fraction of a second per timeupdate; anything else is a seek.
    if (current && this.last !== undefined && time >= this.last && time - this.last < 1.5) {
      current[1] = time;
    } else {
      this.spans.push([time, time]);
    }
    this.last = time;
  }

  /** A seek or a pause: the next observation starts a new span. */
  break(): void {
    this.last = undefined;
  }

  /** The spans since the last call (non-empty ones only). */
  take(): Array<[number, number]> {
    const taken = this.spans
      .filter(([a, b]) => b > a)
      .map(([a, b]): [number, number] => [round(a), round(b)]);
    const current = this.spans.at(-1);
    // Keep extending the span being played right now from where it stands.
    this.spans = current && this.last !== undefined ? [[current[1], current[1]]] : [];
    return taken;
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
