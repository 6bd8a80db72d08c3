import type { Db, Logger } from '@learnlive/common';

export interface NotifiedCacheOptions {
  /** How long a value may be served from memory, ms (0: never cached). */
  ttlMs: number;
  /** Past this many keys the cache starts over (memory stays bounded under any load). */
  maxEntries: number;
  now?: () => number;
}

/**
 * Values kept in memory for `ttlMs` and dropped the moment the database says they changed: a
 * NOTIFY channel fed by triggers, so any writer on any replica reaches every process. Correct
 * only while notifications flow: before the first LISTEN and while its connection is lost,
 * nothing is kept (every `get` loads). A value loaded before a change is never kept after it,
 * and concurrent misses of one key share one load.
 */
export class NotifiedCache<V> {
  #entries = new Map<string, { value: V; expires: number }>();
  #loading = new Map<string, Promise<V>>();
  #epoch = 0;
  #live = false;
  readonly #now: () => number;

  constructor(private readonly options: NotifiedCacheOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** Follows `channel`: a payload names the key that changed; an empty one, everything. */
  listen(db: Db, channel: string, log: Logger): Promise<{ close(): Promise<void> }> {
    return db.listen(channel, {
      notify: (key) => (key ? this.forget(key) : this.clear()),
      listening: () => this.listening(),
      lost: () => {
        this.lost();
        log.warn({ channel }, 'change notifications lost; nothing cached until they resume');
      },
    });
  }

  /** Change notifications flow from now on. */
  listening(): void {
    this.clear();
    this.#live = true;
  }

  /** Change notifications may be missed: nothing is served from memory until `listening`. */
  lost(): void {
    this.#live = false;
    this.clear();
  }

  /** The value, synchronously when it is in memory. */
  get(key: string, load: () => Promise<V>): V | Promise<V> {
    if (this.options.ttlMs <= 0 || !this.#live) return load();
    const hit = this.#entries.get(key);
    if (hit && hit.expires > this.#now()) return hit.value;
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const epoch = this.#epoch;
    const loading = load()
      .then((value) => {
        if (epoch === this.#epoch) {
          if (this.#entries.size >= this.options.maxEntries) this.#entries.clear();
          this.#entries.set(key, { value, expires: this.#now() + this.options.ttlMs });
        }
        return value;
      })
      .finally(() => {
        if (this.#loading.get(key) === loading) this.#loading.delete(key);
      });
    this.#loading.set(key, loading);
    return loading;
  }

  /** `key` changed (this process changed it, or a notification said so). */
  forget(key: string): void {
    this.#epoch += 1;
    this.#entries.delete(key);
    this.#loading.delete(key);
  }

  clear(): void {
    this.#epoch += 1;
    this.#entries.clear();
    this.#loading.clear();
  }
}
