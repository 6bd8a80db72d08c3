/** One item's outcome in a batch: its result, or the error that fails only this item. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /**
   * How long the first item of an idle key waits for others before its batch starts (ms).
   * While a batch of a key is in flight, later items of that key wait for it anyway and go
   * together in the next one, so 0 adds no latency and still batches under load.
   * @default 0
   */
  windowMs?: number;
  /** Most items in one batch. @default 256 */
  maxBatch?: number;
  /**
   * Keys share this many queues (by a hash of the key): one batch then holds items of several
   * keys, so many quiet rooms need a few transactions instead of one each. 0: a queue per key.
   * @default 0
   */
  partitions?: number;
}

interface Pending<T, R> {
  item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/** 32-bit FNV-1a: spreads keys over partitions the same way in every process. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/**
 * Group commit: items submitted for the same key (a room) run in batches, one batch per key (or
 * partition of keys) at a time, in submission order. `run` receives a batch and returns one outcome per item, in the
 * same order; each submitter's promise settles with its own outcome. When `run` throws (the
 * transaction failed), every item of that batch is rejected with that error: nothing is
 * reported done that was not.
 */
export class GroupCommit<T, R> {
  private readonly queues = new Map<string, { items: Pending<T, R>[]; running: boolean }>();
  private readonly windowMs: number;
  private readonly maxBatch: number;
  private readonly partitions: number;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly run: (key: string, items: T[]) => Promise<Array<Outcome<R>>>,
    options: GroupCommitOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 0;
    this.maxBatch = Math.max(1, options.maxBatch ?? 256);
    this.partitions = options.partitions ?? 0;
  }

  submit(itemKey: string, item: T): Promise<R> {
    const key = this.partitions > 0 ? `p${fnv1a(itemKey) % this.partitions}` : itemKey;
    return new Promise<R>((resolve, reject) => {
      let queue = this.queues.get(key);
      if (!queue) {
        queue = { items: [], running: false };
        this.queues.set(key, queue);
      }
      queue.items.push({ item, resolve, reject });
      if (!queue.running) {
        queue.running = true;
        // setTimeout(0) rather than a microtask: sends that arrive in the same read join in.
        setTimeout(() => this.drain(key), this.windowMs);
      }
    });
  }

  /** Resolves once every batch started so far has settled (shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private drain(key: string): void {
    const queue = this.queues.get(key)!;
    const batch = queue.items.splice(0, this.maxBatch);
    const done = this.runBatch(key, batch).finally(() => {
      this.inflight.delete(done);
      if (queue.items.length) this.drain(key);
      else {
        queue.running = false;
        this.queues.delete(key);
      }
    });
    this.inflight.add(done);
  }

  private async runBatch(key: string, batch: Pending<T, R>[]): Promise<void> {
    let outcomes: Array<Outcome<R>>;
    try {
      outcomes = await this.run(
        key,
        batch.map((p) => p.item),
      );
      if (outcomes.length !== batch.length)
        throw new Error(`group commit: ${outcomes.length} outcomes for ${batch.length} items`);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) p.resolve(outcome.value);
      else p.reject(outcome.error);
    });
  }
}
