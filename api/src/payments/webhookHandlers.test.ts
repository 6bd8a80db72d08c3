import type { Queryable } from '@learnlive/common';
import { createLogger } from '@learnlive/common';
import { describe, expect, it } from 'vitest';
import { applyEvent, type EventContext } from './webhookHandlers.js';

describe('applyEvent', () => {
  // Event types we do not handle are only recorded: nothing is read from the database.
  const untouched: Queryable = {
    query: () => Promise.reject(new Error('an unhandled event type reached the database')),
  } as unknown as Queryable;
  const ctx: EventContext = {
    tx: untouched,
    log: createLogger({ name: 'test', level: 'silent' }),
    created: 0,
  };

  it.each(['toString', 'constructor', 'hasOwnProperty', '__proto__', 'payment_intent.created'])(
    'does not handle %s',
    async (type) => {
      expect(await applyEvent({ type, data: { object: {} } }, ctx)).toBe(false);
    },
  );

  it('handles a type of its table (and parses its object)', async () => {
    await expect(applyEvent({ type: 'charge.refunded', data: { object: {} } }, ctx)).rejects.toThrow(
      /expected string/i,
    );
  });
});
