import { describe, expect, it } from 'vitest';
import { GroupCommit, type Outcome } from './GroupCommit.js';

describe('GroupCommit', () => {
  it('batches what arrives while a key’s batch runs, one batch per key at a time, in order', async () => {
    const batches: Array<[string, number[]]> = [];
    let running = 0;
    let release: () => void = () => {};
    const commit = new GroupCommit<number, number>(async (key, items) => {
      expect(++running).toBe(1); // never two batches at once (one key here)
      batches.push([key, items]);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      running--;
      return items.map((i): Outcome<number> => ({ ok: true, value: i * 10 }));
    });
    const first = commit.submit('room', 1);
    await new Promise((r) => setTimeout(r, 5)); // batch 1 = [1] is running now
    const later = [2, 3, 4].map((i) => commit.submit('room', i));
    release();
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([
      ['room', [1]],
      ['room', [2, 3, 4]],
    ]);
  });

  it('fails only the refused item, and every item of a batch whose run throws', async () => {
    const commit = new GroupCommit<string, string>(async (_key, items) => {
      if (items.includes('boom')) throw new Error('transaction failed');
      return items.map((i) =>
        i === 'no' ? { ok: false, error: new Error('refused') } : { ok: true, value: i },
      );
    });
    const [a, no, b] = await Promise.allSettled(['a', 'no', 'b'].map((i) => commit.submit('r', i)));
    expect(a).toEqual({ status: 'fulfilled', value: 'a' });
    expect(no).toMatchObject({ status: 'rejected', reason: { message: 'refused' } });
    expect(b).toEqual({ status: 'fulfilled', value: 'b' });
    const failed = await Promise.allSettled(['x', 'boom', 'y'].map((i) => commit.submit('r', i)));
    expect(failed.map((f) => f.status)).toEqual(['rejected', 'rejected', 'rejected']);
    // the key recovers: the next batch runs
    expect(await commit.submit('r', 'z')).toBe('z');
  });

  it('caps a batch at maxBatch, runs keys independently, and idle() waits for running batches', async () => {
    const sizes = new Map<string, number[]>();
    const commit = new GroupCommit<number, number>(
      async (key, items) => {
        sizes.set(key, [...(sizes.get(key) ?? []), items.length]);
        await new Promise((r) => setTimeout(r, 5));
        return items.map((value) => ({ ok: true, value }));
      },
      { maxBatch: 3 },
    );
    const all = [...Array.from({ length: 7 }, (_, i) => commit.submit('a', i)), commit.submit('b', 100)];
    await new Promise((r) => setTimeout(r, 1));
    await commit.idle();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 100]);
    expect(sizes.get('a')).toEqual([3, 3, 1]);
    expect(sizes.get('b')).toEqual([1]);
  });

  it('with partitions, keys share queues: one batch holds several keys', async () => {
    const batches: string[][] = [];
    const commit = new GroupCommit<string, string>(
      async (_partition, items) => {
        batches.push(items);
        await new Promise((r) => setTimeout(r, 5));
        return items.map((value) => ({ ok: true, value }));
      },
      { partitions: 1 },
    );
    const rooms = ['course:a', 'course:b', 'live:c'];
    expect(await Promise.all(rooms.map((room) => commit.submit(room, room)))).toEqual(rooms);
    expect(batches).toEqual([rooms]);
  });
});
