import { describe, expect, it } from 'vitest';
import { createLogger, type Db, type ListenHandlers } from '@learnlive/common';
import { AccessRevocation } from './revocation.js';

/** A database that answers the generation query from a table in memory and counts the reads. */
function fakeDb(users: Map<string, { generation: number }>) {
  const state = {
    reads: 0,
    handlers: undefined as ListenHandlers | undefined,
    hold: undefined as Promise<void> | undefined,
  };
  const db = {
    engine: 'postgresql',
    async query(_sql: string, params?: readonly unknown[]) {
      state.reads += 1;
      const user = users.get(params![0] as string);
      const row = user ? { token_generation: user.generation } : undefined;
      await state.hold;
      return { rows: row ? [row] : [], rowCount: row ? 1 : 0 };
    },
    async listen(_channel: string, handlers: ListenHandlers) {
      state.handlers = handlers;
      handlers.listening?.();
      return { close: async () => {} };
    },
  } as unknown as Db;
  return { db, state };
}

const log = createLogger({ name: 'test', level: 'silent' });
const codeOf = async (check: () => void | Promise<void>) => {
  try {
    await check();
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('AccessRevocation', () => {
  it('reads each user once per cache period, and again at once when told of a change', async () => {
    let now = 0;
    const users = new Map([['u1', { generation: 3 }]]);
    const { db, state } = fakeDb(users);
    const revocation = new AccessRevocation(db, 2000, () => now);
    await revocation.listen(log);

    expect(await codeOf(() => revocation.check('u1', 3))).toBe('ok');
    expect(revocation.check('u1', 3)).toBeUndefined(); // cached: synchronous, no read
    expect(state.reads).toBe(1);
    now = 2001;
    expect(await codeOf(() => revocation.check('u1', 3))).toBe('ok');
    expect(state.reads).toBe(2);

    // another process bumped the generation: the notification drops the entry
    users.set('u1', { generation: 4 });
    state.handlers!.notify('u1');
    expect(await codeOf(() => revocation.check('u1', 3))).toBe('token_expired');
    expect(await codeOf(() => revocation.check('u1', 4))).toBe('ok');
    // this process bumped it: forgotten before the answer leaves
    users.set('u1', { generation: 5 });
    revocation.forget('u1');
    expect(await codeOf(() => revocation.check('u1', 4))).toBe('token_expired');
    expect(await codeOf(() => revocation.check('gone', 0))).toBe('unauthenticated');
  });

  it('reads every time while notifications are not flowing', async () => {
    const { db, state } = fakeDb(new Map([['u1', { generation: 0 }]]));
    const revocation = new AccessRevocation(db, 60_000);
    await revocation.listen(log);
    state.handlers!.lost!();
    await revocation.check('u1', 0);
    await revocation.check('u1', 0);
    expect(state.reads).toBe(2);
    state.handlers!.listening!();
    await revocation.check('u1', 0);
    await revocation.check('u1', 0);
    expect(state.reads).toBe(3);
  });

  it('shares one read between concurrent checks, and never keeps a state read before a change', async () => {
    const users = new Map([['u1', { generation: 0 }]]);
    const { db, state } = fakeDb(users);
    const revocation = new AccessRevocation(db, 60_000);
    await revocation.listen(log);
    let release!: () => void;
    state.hold = new Promise((resolve) => (release = resolve));
    const checks = [revocation.check('u1', 0), revocation.check('u1', 0)];
    expect(state.reads).toBe(1);
    users.set('u1', { generation: 1 });
    revocation.forget('u1'); // the change commits while the old read is in flight
    release();
    await Promise.all(checks);
    state.hold = undefined;
    expect(await codeOf(() => revocation.check('u1', 0))).toBe('token_expired');
    expect(state.reads).toBe(2);
  });
});
