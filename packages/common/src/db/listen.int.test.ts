import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_ADAPTERS, waitFor, type TestDatabase } from '@learnlive/testing';

describe.each(DATABASE_ADAPTERS)('listen on %s', (name, create) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it('delivers notifications at commit, never for a rolled-back change, until closed', async () => {
    database = await create();
    const { db } = database;
    const received: string[] = [];
    let listening = 0;
    const listener = await db.listen('things_changed', {
      notify: (payload) => received.push(payload),
      listening: () => listening++,
    });
    expect(listening).toBe(1);

    await db
      .transaction(async (tx) => {
        await tx.query(`select pg_notify('things_changed', 'rolled back')`);
        throw new Error('abort');
      })
      .catch(() => {});
    await db.transaction(async (tx) => {
      await tx.query(`select pg_notify('things_changed', 'one')`);
      await tx.query(`select pg_notify('other_channel', 'not mine')`);
    });
    await waitFor(() => received.length > 0, { what: 'the notification' });
    expect(received).toEqual(['one']);

    await listener.close();
    await db.query(`select pg_notify('things_changed', 'after close')`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual(['one']);
  });

  it.runIf(name === 'postgresql')('says when its connection is lost and listens again', async () => {
    database = await create();
    const { db } = database;
    const events: string[] = [];
    const listener = await db.listen('things_changed', {
      notify: (payload) => events.push(`notify ${payload}`),
      listening: () => events.push('listening'),
      lost: () => events.push('lost'),
    });
    try {
      // an operator or a failover ends the listening session
      await db.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and query ilike 'listen%'`,
      );
      await waitFor(() => events.filter((e) => e === 'listening').length === 2, {
        what: 'listening again',
        timeoutMs: 10_000,
      });
      expect(events.slice(0, 3)).toEqual(['listening', 'lost', 'listening']);
      await db.query(`select pg_notify('things_changed', 'again')`);
      await waitFor(() => events.includes('notify again'), { what: 'a notification after reconnecting' });
    } finally {
      await listener.close();
    }
  });
});
