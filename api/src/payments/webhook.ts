import Stripe from 'stripe';
import { AppError, type Db, type Logger } from '@learnlive/common';
import { z } from 'zod';
import { applyEvent } from './webhookHandlers.js';

const EventEnvelope = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int(),
  data: z.object({ object: z.unknown() }),
});

export interface WebhookOptions {
  secret: string | undefined;
  toleranceSeconds: number;
}

/**
 * Verifies a webhook delivery over its raw bytes (any re-serialisation would break the HMAC),
 * then records the event id and applies the event in one transaction: a replay finds the id
 * and changes nothing; a failure rolls both back so Stripe's retry applies it again.
 * @returns whether this delivery applied the event (false: already processed).
 */
export async function receiveWebhook(
  db: Db,
  log: Logger,
  options: WebhookOptions,
  rawBody: Uint8Array,
  signature: string | undefined,
): Promise<boolean> {
  if (!options.secret) throw new AppError('unavailable', 'webhooks are not configured on this server');
  if (!signature) throw new AppError('bad_request', 'the Stripe-Signature header is missing');
  let parsed: unknown;
  try {
    parsed = Stripe.webhooks.constructEvent(
      Buffer.from(rawBody),
      signature,
      options.secret,
      options.toleranceSeconds,
    );
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'webhook signature refused');
    throw new AppError('bad_request', 'the webhook signature is not valid or too old', { cause: err });
  }
  const envelope = EventEnvelope.safeParse(parsed);
  if (!envelope.success) throw new AppError('bad_request', 'the webhook payload is not a Stripe event');
  const event = envelope.data;
  const eventLog = log.child({ eventId: event.id, eventType: event.type });
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      'insert into stripe_events (id, type, created) values ($1, $2, $3) on conflict (id) do nothing',
      [event.id, event.type, event.created],
    );
    if (inserted.rowCount === 0) {
      eventLog.info('webhook replay ignored');
      return false;
    }
    const handled = await applyEvent(event, { tx, log: eventLog, created: event.created });
    eventLog.info({ handled }, 'webhook event processed');
    return true;
  });
}
