import type { Queryable } from '@learnlive/common';
import type { Payment, PaymentStatus, SubscriptionSchema } from '@learnlive/contracts';
import type { z } from 'zod';

/**
 * The SQL behind the payment routes on `payments`, `subscriptions` and `checkout_sessions`
 * (migration 050). The webhook's handlers (`webhookHandlers.ts`) write the same tables as
 * Stripe's events arrive.
 */

export type Subscription = z.infer<typeof SubscriptionSchema>;

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const PAYMENT_COLUMNS = `id, user_id as "userId", kind, course_id as "courseId", amount, lower(currency) as currency,
  refunded_amount as "refundedAmount", status, ${iso('created_at')} as "createdAt", ${iso('updated_at')} as "updatedAt"`;

const SUBSCRIPTION_COLUMNS = `id, course_id as "courseId", amount, lower(currency) as currency, status,
  ${iso('current_period_end')} as "currentPeriodEnd", cancel_at_period_end as "cancelAtPeriodEnd",
  ${iso('created_at')} as "createdAt"`;

export async function paymentById(db: Queryable, id: string): Promise<Payment | undefined> {
  const { rows } = await db.query<Payment>(`select ${PAYMENT_COLUMNS} from payments where id = $1`, [id]);
  return rows[0];
}

/** The user's transactions past `pending`, newest first. */
export async function paymentsOf(db: Queryable, userId: string): Promise<Payment[]> {
  const { rows } = await db.query<Payment>(
    `select ${PAYMENT_COLUMNS} from payments where user_id = $1 and status <> 'pending' order by created_at desc limit 200`,
    [userId],
  );
  return rows;
}

/** Every transaction, newest first, optionally of one status and one user. */
export async function allPayments(
  db: Queryable,
  filter: { status: PaymentStatus | undefined; userId: string | undefined; limit: number },
): Promise<Payment[]> {
  const { rows } = await db.query<Payment>(
    `select ${PAYMENT_COLUMNS} from payments
      where ($1::text is null or status = $1) and ($2::uuid is null or user_id = $2)
      order by created_at desc limit $3`,
    [filter.status ?? null, filter.userId ?? null, filter.limit],
  );
  return rows;
}

/** A pending course purchase, before its Checkout Session exists. */
export async function insertPendingPayment(
  db: Queryable,
  payment: { userId: string; courseId: string; amount: number; currency: string },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into payments (user_id, course_id, kind, amount, currency) values ($1, $2, 'course', $3, $4) returning id`,
    [payment.userId, payment.courseId, payment.amount, payment.currency],
  );
  return rows[0]!.id;
}

export async function markPaymentFailed(db: Queryable, id: string): Promise<void> {
  await db.query(`update payments set status = 'failed' where id = $1`, [id]);
}

export async function setPaymentCheckoutSession(tx: Queryable, id: string, sessionId: string): Promise<void> {
  await tx.query('update payments set stripe_checkout_session_id = $2 where id = $1', [id, sessionId]);
}

/** What a refund needs to know about a payment. */
export async function paymentToRefund(
  db: Queryable,
  id: string,
): Promise<
  | { amount: number; refunded_amount: number; status: string; stripe_payment_intent_id: string | null }
  | undefined
> {
  const { rows } = await db.query<{
    amount: number;
    refunded_amount: number;
    status: string;
    stripe_payment_intent_id: string | null;
  }>('select amount, refunded_amount, status, stripe_payment_intent_id from payments where id = $1', [id]);
  return rows[0];
}

/** Whether the user has a subscription to the course that still gives access. */
export async function hasLiveSubscription(db: Queryable, userId: string, courseId: string): Promise<boolean> {
  const live = await db.query(
    `select 1 from subscriptions where user_id = $1 and course_id = $2 and status in ('active', 'past_due')`,
    [userId, courseId],
  );
  return live.rowCount > 0;
}

/** Whether a paid purchase or a live subscription still covers the user's access to the course. */
export async function hasPaidSource(tx: Queryable, userId: string, courseId: string): Promise<boolean> {
  const stillPaid = await tx.query(
    `select 1 from payments where user_id = $1 and course_id = $2 and kind = 'course' and status = 'paid'
     union all
     select 1 from subscriptions where user_id = $1 and course_id = $2 and status in ('active', 'past_due')`,
    [userId, courseId],
  );
  return stillPaid.rowCount > 0;
}

export async function subscriptionById(db: Queryable, id: string): Promise<Subscription | undefined> {
  const { rows } = await db.query<Subscription>(
    `select ${SUBSCRIPTION_COLUMNS} from subscriptions where id = $1`,
    [id],
  );
  return rows[0];
}

export async function subscriptionsOf(db: Queryable, userId: string): Promise<Subscription[]> {
  const { rows } = await db.query<Subscription>(
    `select ${SUBSCRIPTION_COLUMNS} from subscriptions where user_id = $1 order by created_at desc`,
    [userId],
  );
  return rows;
}

/** One of the user's subscriptions, as cancelling it needs it. */
export async function subscriptionToCancel(
  db: Queryable,
  id: string,
  userId: string,
): Promise<{ stripe_subscription_id: string; status: string } | undefined> {
  const { rows } = await db.query<{ stripe_subscription_id: string; status: string }>(
    'select stripe_subscription_id, status from subscriptions where id = $1 and user_id = $2',
    [id, userId],
  );
  return rows[0];
}

/** Ends the subscription now; who and what lost access, or undefined when it had already ended. */
export async function endSubscription(
  tx: Queryable,
  id: string,
): Promise<{ user_id: string; course_id: string } | undefined> {
  const ended = await tx.query<{ user_id: string; course_id: string }>(
    `update subscriptions set status = 'canceled', ended_at = now(), updated_at = now()
      where id = $1 and status <> 'canceled' returning user_id, course_id`,
    [id],
  );
  return ended.rows[0];
}

/**
 * Serializes work on one Stripe object (`pi:<payment intent>`, `sub:<subscription>`) with the
 * webhook's handlers, until the transaction ends.
 */
export async function lockStripeObject(tx: Queryable, key: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [key]);
}

export async function insertCheckoutSession(
  tx: Queryable,
  session: {
    id: string;
    userId: string;
    courseId: string;
    mode: 'payment' | 'subscription';
    paymentId: string | null;
  },
): Promise<void> {
  await tx.query(
    `insert into checkout_sessions (id, user_id, course_id, mode, payment_id) values ($1, $2, $3, $4, $5)
     on conflict (id) do nothing`,
    [session.id, session.userId, session.courseId, session.mode, session.paymentId],
  );
}

/** A Checkout Session of the user, with the status of what it bought. */
export async function checkoutSessionOf(
  db: Queryable,
  sessionId: string,
  userId: string,
): Promise<
  | {
      course_id: string;
      mode: 'payment' | 'subscription';
      payment_status: string | null;
      subscription_status: string | null;
    }
  | undefined
> {
  const { rows } = await db.query<{
    course_id: string;
    mode: 'payment' | 'subscription';
    payment_status: string | null;
    subscription_status: string | null;
  }>(
    `select s.course_id, s.mode, p.status as payment_status, sub.status as subscription_status
       from checkout_sessions s
       left join payments p on p.id = s.payment_id
       left join subscriptions sub on sub.stripe_subscription_id = s.stripe_subscription_id
      where s.id = $1 and s.user_id = $2`,
    [sessionId, userId],
  );
  return rows[0];
}
