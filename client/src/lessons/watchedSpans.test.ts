import { describe, expect, it } from 'vitest';
import { WatchedSpans } from './watchedSpans.js';

describe('WatchedSpans', () => {
  it('joins continuous playback and starts a new span at a seek', () => {
    const spans = new WatchedSpans();
    for (const t of [0, 0.25, 0.5, 0.75, 1]) spans.observe(t);
    spans.observe(30); // seek ahead
    spans.observe(30.25);
    expect(spans.take()).toEqual([
      [0, 1],
      [30, 30.25],
    ]);
  });

  it('continues the current span after a report, without counting anything twice', () => {
    const spans = new WatchedSpans();
    spans.observe(5);
    spans.observe(5.5);
    expect(spans.take()).toEqual([[5, 5.5]]);
    spans.observe(6);
    expect(spans.take()).toEqual([[5.5, 6]]);
    spans.break();
    spans.observe(6.2);
    expect(spans.take()).toEqual([]);
  });
});
