import type { Logger, Queryable } from '@learnlive/common';
import { z } from 'zod';
import { grantPaidAccess, revokePaidAccess } from './access.js';

/*
 * Stripe webhook events this API acts on. Each object is parsed with zod (only the fields we
 * read), and each type has its handler in one exhaustive table. Handlers run inside the
 * transaction that records the event id, so an event is applied exactly once; they are written
 * so that any delivery order converges on the same state:
 * - refunds and disputes for a payment not completed yet are kept in `stripe_reversals` and
 *   applied when the completion arrives;
 * - a canceled subscription stays canceled whatever arrives after;
 * - subscription status changes older than the last one applied are ignored.
 */

const id = z.string().min(1);
const metadata = z
  .record(z.string(), z.string())
  .nullish()
  .transform((m) => m ?? {});
const uuid = z.uuid();

const CheckoutSession = z.object({
  id,
  mode: z.enum(['payment', 'subscription', 'setup']),
  payment_status: z.string(),
  amount_total: z.number().int().nullish(),
  currency: z.string().nullish(),
  client_reference_id: z.string().nullish(),
  payment_intent: z.union([id, z.object({ id })]).nullish(),
  subscription: z.union([id, z.object({ id })]).nullish(),
  metadata,
});
type CheckoutSession = z.infer<typeof CheckoutSession>;

const Charge = z.object({
  id,
  payment_intent: z.union([id, z.object({ id })]).nullish(),
  amount: z.number().int(),
  amount_refunded: z.number().int(),
});

const Dispute = z.object({
  id,
  payment_intent: z.union([id, z.object({ id })]).nullish(),
  amount: z.number().int(),
  status: z.string(),
});

const Invoice = z.object({
  id,
  amount_paid: z.number().int(),
  currency: z.string(),
  // API versions since 2025-03 name the subscription under `parent`; older ones at the top.
  subscription: z.union([id, z.object({ id })]).nullish(),
  parent: z
    .object({
      subscription_details: z.object({ subscription: z.union([id, z.object({ id })]), metadata }).nullish(),
    })
    .nullish(),
  lines: z
    .object({ data: z.array(z.object({ period: z.object({ end: z.number().int() }).nullish() })) })
    .nullish(),
  // The charge behind the invoice (refunds name it): `payments` since 2025-03, a field before.
  payment_intent: z.union([id, z.object({ id })]).nullish(),
  payments: z
    .object({
      data: z.array(
        z.object({
          payment: z.object({ payment_intent: z.union([id, z.object({ id })]).nullish() }).nullish(),
        }),
      ),
    })
    .nullish(),
});

const Subscription = z.object({
  id,
  status: z.string(),
  metadata,
  cancel_at_period_end: z.boolean().nullish(),
  items: z.object({ data: z.array(z.object({ current_period_end: z.number().int().nullish() })) }).nullish(),
});

const refOf = (value: string | { id: string } | null | undefined) =>
  typeof value === 'string' ? value : (value?.id ?? null);

const EVENT_OBJECTS = {
  'checkout.session.completed': CheckoutSession,
  'checkout.session.async_payment_succeeded': CheckoutSession,
  'checkout.session.async_payment_failed': CheckoutSession,
  'checkout.session.expired': CheckoutSession,
  'charge.refunded': Charge,
  'charge.dispute.created': Dispute,
  'charge.dispute.closed': Dispute,
  'invoice.paid': Invoice,
  'invoice.payment_failed': Invoice,
  'customer.subscription.created': Subscription,
  'customer.subscription.updated': Subscription,
  'customer.subscription.deleted': Subscription,
} as const;
export type HandledEventType = keyof typeof EVENT_OBJECTS;

/** Own keys only: `in` would also accept inherited ones (`toString`, `constructor`…). */
const isHandled = (type: string): type is HandledEventType => Object.hasOwn(EVENT_OBJECTS, type);

export interface EventContext {
  tx: Queryable;
  log: Logger;
  /** Stripe's `created` of the event, seconds. */
  created: number;
}
type Handler<K extends HandledEventType> = (
  object: z.infer<(typeof EVENT_OBJECTS)[K]>,
  ctx: EventContext,
) => Promise<void>;

/** Serialises every transaction touching one Stripe object (PostgreSQL; PGlite has one connection). */
async function lock(tx: Queryable, key: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [key]);
}

interface PaymentRow {
  id: string;
  user_id: string;
  course_id: string;
  kind: 'course' | 'subscription';
  amount: number;
  refunded_amount: number;
  status: string;
  stripe_payment_intent_id: string | null;
}

/** A payment completed at Stripe: paid, unless a reversal came first or the course is already paid for. */
async function completePurchase(session: CheckoutSession, ctx: EventContext): Promise<void> {
  const { tx } = ctx;
  const paymentId = session.client_reference_id ?? session.metadata.paymentId;
  if (!paymentId || !uuid.safeParse(paymentId).success) {
    ctx.log.warn({ sessionId: session.id }, 'checkout session without our payment id; ignored');
    return;
  }
  const intent = refOf(session.payment_intent);
  if (intent) await lock(tx, `pi:${intent}`);
  const { rows } = await tx.query<PaymentRow>('select * from payments where id = $1 for update', [paymentId]);
  const payment = rows[0];
  if (!payment) {
    ctx.log.warn({ sessionId: session.id, paymentId }, 'checkout session for an unknown payment; ignored');
    return;
  }
  if (payment.status !== 'pending') return; // already applied through another event
  if (intent) {
    await tx.query(
      'update payments set stripe_payment_intent_id = $2, stripe_checkout_session_id = $3, updated_at = now() where id = $1',
      [payment.id, intent, session.id],
    );
  }
  // Asynchronous methods (bank debits) complete the session unpaid; the money comes later.
  if (session.payment_status !== 'paid') return;

  const amount = session.amount_total ?? payment.amount;
  const reversals = intent
    ? (
        await tx.query<{ kind: string; amount: number }>(
          'select kind, amount from stripe_reversals where payment_intent_id = $1',
          [intent],
        )
      ).rows
    : [];
  const refunded = Math.min(
    amount,
    Math.max(0, ...reversals.filter((r) => r.kind === 'refund').map((r) => r.amount)),
  );
  let status: string;
  if (reversals.some((r) => r.kind === 'dispute')) status = 'disputed';
  else if (refunded >= amount) status = 'refunded';
  else {
    const owned = await tx.query(
      `select 1 from payments where user_id = $1 and course_id = $2 and kind = 'course' and status = 'paid' and id <> $3`,
      [payment.user_id, payment.course_id, payment.id],
    );
    status = owned.rowCount > 0 ? 'duplicate' : 'paid';
  }
  await tx.query(
    `update payments set status = $2, amount = $3, currency = coalesce($4, currency), refunded_amount = $5, updated_at = now()
      where id = $1`,
    [payment.id, status, amount, session.currency?.toLowerCase() ?? null, refunded],
  );
  if (status === 'paid') await grantPaidAccess(tx, payment.user_id, payment.course_id, 'purchase');
  ctx.log.info({ paymentId: payment.id, status }, 'course payment completed');
}

/** Refund or dispute of a payment intent, applied now or kept until the payment completes. */
async function reverse(
  intent: string | null,
  kind: 'refund' | 'dispute',
  amount: number,
  ctx: EventContext,
): Promise<void> {
  if (!intent) return;
  const { tx } = ctx;
  await lock(tx, `pi:${intent}`);
  await tx.query(
    `insert into stripe_reversals (payment_intent_id, kind, amount) values ($1, $2, $3)
     on conflict (payment_intent_id, kind) do update set amount = greatest(stripe_reversals.amount, excluded.amount)`,
    [intent, kind, amount],
  );
  await applyReversal(tx, intent, kind, amount, ctx.log);
}

/**
 * Applies a refund (cumulative `amount`) or a dispute to the payment of `intent`, if known.
 * Shared by the webhook and the admin refund route, so both converge on the same row.
 */
export async function applyReversal(
  tx: Queryable,
  intent: string,
  kind: 'refund' | 'dispute',
  amount: number,
  log: Logger,
): Promise<PaymentRow | undefined> {
  const { rows } = await tx.query<PaymentRow>(
    'select * from payments where stripe_payment_intent_id = $1 for update',
    [intent],
  );
  const payment = rows[0];
  if (!payment) return undefined;
  const refunded = Math.min(
    payment.amount,
    Math.max(payment.refunded_amount, kind === 'refund' ? amount : 0),
  );
  const reversible = ['paid', 'duplicate', 'disputed'].includes(payment.status);
  let status = payment.status;
  if (reversible && kind === 'dispute') status = 'disputed';
  if (reversible && kind === 'refund' && refunded >= payment.amount) status = 'refunded';
  await tx.query('update payments set refunded_amount = $2, status = $3, updated_at = now() where id = $1', [
    payment.id,
    refunded,
    status,
  ]);
  if (payment.status === 'paid' && status !== 'paid' && payment.kind === 'course') {
    await revokePaidAccess(tx, payment.user_id, payment.course_id);
  }
  log.info({ paymentId: payment.id, kind, refunded, status }, 'payment reversed');
  return { ...payment, refunded_amount: refunded, status };
}

interface SubscriptionRow {
  id: string;
  user_id: string;
  course_id: string;
  status: 'incomplete' | 'active' | 'past_due' | 'canceled';
  status_event_created: number;
  current_period_end: string | null;
}

/** The subscription row for a Stripe id, created from our metadata the first time any event names it. */
async function subscriptionRow(
  tx: Queryable,
  stripeId: string,
  meta: Record<string, string>,
  price: { amount: number; currency: string } | undefined,
): Promise<SubscriptionRow | undefined> {
  await lock(tx, `sub:${stripeId}`);
  if (uuid.safeParse(meta.userId).success && uuid.safeParse(meta.courseId).success) {
    await tx.query(
      `insert into subscriptions (user_id, course_id, stripe_subscription_id, amount, currency)
         select $1, $2, $3, coalesce($4, c.price_amount), coalesce($5, c.currency) from courses c where c.id = $2
       on conflict (stripe_subscription_id) do nothing`,
      [meta.userId, meta.courseId, stripeId, price?.amount ?? null, price?.currency ?? null],
    );
  }
  const { rows } = await tx.query<SubscriptionRow>(
    `select id, user_id, course_id, status, status_event_created,
            to_char(current_period_end at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as current_period_end
       from subscriptions where stripe_subscription_id = $1 for update`,
    [stripeId],
  );
  return rows[0];
}

/** Moves a subscription to `status` unless it ended or a newer status was applied; syncs access. */
async function setSubscriptionStatus(
  tx: Queryable,
  sub: SubscriptionRow,
  status: SubscriptionRow['status'],
  created: number,
  extra: { periodEnd?: number | null; cancelAtPeriodEnd?: boolean | null } = {},
): Promise<void> {
  if (sub.status === 'canceled') return; // terminal: nothing reopens an ended subscription
  // `incomplete` only ever starts a subscription: a late or same-second `created` event must
  // not take a paid one back there.
  const regress = status === 'incomplete' && sub.status !== 'incomplete';
  const newer = (created >= sub.status_event_created && !regress) || status === 'canceled';
  const next = newer ? status : sub.status;
  await tx.query(
    `update subscriptions set
        status = $2,
        status_event_created = greatest(status_event_created, $3),
        current_period_end = greatest(current_period_end, to_timestamp($4)),
        cancel_at_period_end = coalesce($5, cancel_at_period_end),
        ended_at = case when $2 = 'canceled' then now() else ended_at end,
        updated_at = now()
      where id = $1`,
    [sub.id, next, created, extra.periodEnd ?? null, newer ? (extra.cancelAtPeriodEnd ?? null) : null],
  );
  if (next === 'active' || next === 'past_due') {
    await grantPaidAccess(tx, sub.user_id, sub.course_id, 'subscription');
  } else if (next === 'canceled') {
    await revokePaidAccess(tx, sub.user_id, sub.course_id);
  }
}

const STRIPE_SUBSCRIPTION_STATUS: Record<string, SubscriptionRow['status']> = {
  active: 'active',
  trialing: 'active',
  past_due: 'past_due',
  unpaid: 'past_due',
  paused: 'past_due',
  incomplete: 'incomplete',
  incomplete_expired: 'canceled',
  canceled: 'canceled',
};

async function onSubscription(
  object: z.infer<typeof Subscription>,
  ctx: EventContext,
  forced?: 'canceled',
): Promise<void> {
  const sub = await subscriptionRow(ctx.tx, object.id, object.metadata, undefined);
  if (!sub) {
    ctx.log.warn({ subscription: object.id }, 'subscription event for an unknown subscription; ignored');
    return;
  }
  const status = forced ?? STRIPE_SUBSCRIPTION_STATUS[object.status] ?? sub.status;
  await setSubscriptionStatus(ctx.tx, sub, status, ctx.created, {
    periodEnd: object.items?.data[0]?.current_period_end,
    cancelAtPeriodEnd: object.cancel_at_period_end,
  });
}

function invoiceSubscription(invoice: z.infer<typeof Invoice>) {
  const details = invoice.parent?.subscription_details;
  return {
    stripeId: refOf(details?.subscription) ?? refOf(invoice.subscription),
    meta: details?.metadata ?? {},
  };
}

export const webhookHandlers: { [K in HandledEventType]: Handler<K> } = {
  'checkout.session.completed': async (session, ctx) => {
    if (session.mode === 'payment') return completePurchase(session, ctx);
    const stripeId = refOf(session.subscription);
    if (session.mode !== 'subscription' || !stripeId) return;
    await ctx.tx.query('update checkout_sessions set stripe_subscription_id = $2 where id = $1', [
      session.id,
      stripeId,
    ]);
    // Access waits for invoice.paid; this only makes sure the row exists.
    await subscriptionRow(ctx.tx, stripeId, session.metadata, undefined);
  },
  'checkout.session.async_payment_succeeded': (session, ctx) =>
    session.mode === 'payment' ? completePurchase(session, ctx) : Promise.resolve(),
  'checkout.session.async_payment_failed': async (session, ctx) => {
    await ctx.tx.query(
      `update payments set status = 'failed', updated_at = now() where stripe_checkout_session_id = $1 and status = 'pending'`,
      [session.id],
    );
  },
  'checkout.session.expired': async (session, ctx) => {
    await ctx.tx.query(
      `update payments set status = 'failed', updated_at = now() where stripe_checkout_session_id = $1 and status = 'pending'`,
      [session.id],
    );
  },
  'charge.refunded': (charge, ctx) =>
    reverse(refOf(charge.payment_intent), 'refund', charge.amount_refunded, ctx),
  'charge.dispute.created': (dispute, ctx) =>
    reverse(refOf(dispute.payment_intent), 'dispute', dispute.amount, ctx),
  'charge.dispute.closed': async (dispute, ctx) => {
    const intent = refOf(dispute.payment_intent);
    if (!intent || dispute.status !== 'won') return;
    // Won: the money stays with us, so does the access.
    await lock(ctx.tx, `pi:${intent}`);
    await ctx.tx.query(`delete from stripe_reversals where payment_intent_id = $1 and kind = 'dispute'`, [
      intent,
    ]);
    const { rows } = await ctx.tx.query<PaymentRow>(
      `update payments set status = 'paid', updated_at = now()
        where stripe_payment_intent_id = $1 and status = 'disputed' and refunded_amount < amount
          and not exists (select 1 from payments p where p.user_id = payments.user_id and p.course_id = payments.course_id
                            and p.kind = 'course' and p.status = 'paid')
        returning *`,
      [intent],
    );
    const payment = rows[0];
    if (payment?.kind === 'course')
      await grantPaidAccess(ctx.tx, payment.user_id, payment.course_id, 'purchase');
  },
  'invoice.paid': async (invoice, ctx) => {
    const { stripeId, meta } = invoiceSubscription(invoice);
    if (!stripeId) return;
    const currency = invoice.currency.toLowerCase();
    const sub = await subscriptionRow(ctx.tx, stripeId, meta, { amount: invoice.amount_paid, currency });
    if (!sub) {
      ctx.log.warn({ invoice: invoice.id }, 'invoice for an unknown subscription; ignored');
      return;
    }
    // The transaction is kept even when the subscription already ended (an admin may refund it).
    const intent =
      refOf(invoice.payment_intent) ??
      (invoice.payments?.data ?? []).map((p) => refOf(p.payment?.payment_intent)).find(Boolean) ??
      null;
    if (intent) await lock(ctx.tx, `pi:${intent}`);
    await ctx.tx.query(
      `insert into payments (user_id, course_id, kind, amount, currency, status, stripe_invoice_id, stripe_subscription_id,
                             stripe_payment_intent_id)
         values ($1, $2, 'subscription', $3, $4, 'paid', $5, $6, $7)
       on conflict (stripe_invoice_id) do nothing`,
      [sub.user_id, sub.course_id, invoice.amount_paid, currency, invoice.id, stripeId, intent],
    );
    // A refund of this invoice that arrived first (it never ends the subscription by itself).
    if (intent) {
      const early = await ctx.tx.query<{ kind: 'refund' | 'dispute'; amount: number }>(
        'select kind, amount from stripe_reversals where payment_intent_id = $1',
        [intent],
      );
      for (const r of early.rows) await applyReversal(ctx.tx, intent, r.kind, r.amount, ctx.log);
    }
    const periodEnd = Math.max(0, ...(invoice.lines?.data ?? []).map((l) => l.period?.end ?? 0)) || null;
    await setSubscriptionStatus(ctx.tx, sub, 'active', ctx.created, { periodEnd });
  },
  'invoice.payment_failed': async (invoice, ctx) => {
    const { stripeId, meta } = invoiceSubscription(invoice);
    if (!stripeId) return;
    const sub = await subscriptionRow(ctx.tx, stripeId, meta, undefined);
    if (sub) await setSubscriptionStatus(ctx.tx, sub, 'past_due', ctx.created);
  },
  'customer.subscription.created': (object, ctx) => onSubscription(object, ctx),
  'customer.subscription.updated': (object, ctx) => onSubscription(object, ctx),
  'customer.subscription.deleted': (object, ctx) => onSubscription(object, ctx, 'canceled'),
};

/** Parses the event's object for its type and runs its handler; other types are only recorded. */
export async function applyEvent(
  event: { type: string; data: { object: unknown } },
  ctx: EventContext,
): Promise<boolean> {
  const { type } = event;
  if (!isHandled(type)) return false;
  // A shape we cannot read throws (500, logged): Stripe retries for days, so a fixed schema
  // still applies the event, where acknowledging it would lose it.
  const object = EVENT_OBJECTS[type].parse(event.data.object);
  await (webhookHandlers[type] as Handler<HandledEventType>)(object as never, ctx);
  return true;
}
