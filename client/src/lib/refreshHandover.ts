import type { RefreshHandover } from './sessionRefresh.js';

/**
 * The last refresh's hand-over, in IndexedDB: unlike localStorage, which each tab's renderer
 * caches and updates later, every tab reads IndexedDB from one store, so a write whose
 * transaction completed is seen by the tab that takes the refresh lock next.
 */
const DB = 'learnlive';
const STORE = 'session';
const KEY = 'refreshHandover';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB did not open'));
  });
}

async function run<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = use(tx.objectStore(STORE));
      // resolved once committed: the next lock holder must find the write
      tx.oncomplete = () => resolve(request.result as T);
      tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
  } finally {
    db.close();
  }
}

export const indexedDbHandover = {
  async read(): Promise<RefreshHandover | undefined> {
    const value = await run<unknown>('readonly', (store) => store.get(KEY));
    // storage is an edge: anything else than a hand-over is ignored
    const handover = value as Partial<RefreshHandover> | undefined;
    return typeof handover?.replaced === 'string' && typeof handover.session?.accessToken === 'string'
      ? (handover as RefreshHandover)
      : undefined;
  },
  async write(handover: RefreshHandover): Promise<void> {
    await run('readwrite', (store) => store.put(handover, KEY));
  },
  async clear(): Promise<void> {
    await run('readwrite', (store) => store.delete(KEY));
  },
};
