import { describe, expect, it } from 'vitest';
import { coveredSeconds, mergeIntervals } from './intervals.js';

describe('mergeIntervals', () => {
  it('counts replays once and keeps gaps from seeking', () => {
    const merged = mergeIntervals([
      [0, 30],
      [10, 20],
      [25, 40],
      [100, 110],
    ]);
    expect(merged).toEqual([
      [0, 40],
      [100, 110],
    ]);
    expect(coveredSeconds(merged)).toBe(50);
  });

  it('merges touching spans, drops empty ones and sorts', () => {
    expect(
      mergeIntervals([
        [50, 60],
        [5, 5],
        [0, 50],
      ]),
    ).toEqual([[0, 60]]);
  });

  it('clamps to the lesson length and to zero', () => {
    expect(
      mergeIntervals(
        [
          [-5, 10],
          [590, 700],
          [800, 900],
        ],
        600,
      ),
    ).toEqual([
      [0, 10],
      [590, 600],
    ]);
  });

  it('is not fooled by seeking to the end (furthest point is not progress)', () => {
    const merged = mergeIntervals([
      [0, 10],
      [590, 600],
    ]);
    expect(coveredSeconds(merged)).toBe(20);
  });
});
