import { z } from 'zod';

/** ISO 4217 currency code, lower case as Stripe writes it (like course prices). */
export const CurrencySchema = z
  .string()
  .regex(/^[a-z]{3}$/, 'must be a three-letter ISO 4217 code in lower case');

/**
 * Money is an integer count of the currency's minor unit (cents) plus the currency:
 * never a float, so sums and refunds are exact.
 */
export const MoneySchema = z.object({
  /** Minor units (e.g. 1999 = 19.99 EUR). */
  amount: z.number().int().nonnegative(),
  currency: CurrencySchema,
});
export type Money = z.infer<typeof MoneySchema>;

export const PAYMENT_STATUSES = [
  /** A Checkout Session was opened; nothing was paid yet. */
  'pending',
  'paid',
  /** The Checkout Session expired or its asynchronous payment failed. */
  'failed',
  'refunded',
  /** The card holder disputed the charge: access is revoked until resolved. */
  'disputed',
  /** Paid for something already owned (two tabs): kept for an admin to refund. */
  'duplicate',
] as const;
export const PaymentStatusSchema = z.enum(PAYMENT_STATUSES);
export type PaymentStatus = z.infer<typeof PaymentStatusSchema>;

export const PAYMENT_KINDS = ['course', 'subscription'] as const;
export const PaymentKindSchema = z.enum(PAYMENT_KINDS);

/**
 * One transaction: a course purchase (course priced `one_time`) or one paid invoice of a
 * subscription (course priced `subscription`: `price_amount` every month).
 */
export const PaymentSchema = z.object({
  id: z.string(),
  userId: z.string(),
  kind: PaymentKindSchema,
  courseId: z.string(),
  amount: z.number().int(),
  currency: CurrencySchema,
  /** Minor units refunded so far (a partial refund keeps access). */
  refundedAmount: z.number().int(),
  status: PaymentStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Payment = z.infer<typeof PaymentSchema>;
export const PaymentListSchema = z.object({ items: z.array(PaymentSchema) });

/**
 * `POST /api/payments/checkout`: buy a course (one-time price) or subscribe to it (subscription
 * price): either way the answer is a Stripe Checkout page to send the browser to.
 */
export const CourseCheckoutRequestSchema = z.strictObject({ courseId: z.uuid() });
/** Where to send the browser: Stripe Checkout's page for the new session. */
export const CheckoutResponseSchema = z.object({
  paymentId: z.string().nullable(),
  sessionId: z.string(),
  checkoutUrl: z.string(),
});
export type CheckoutResponse = z.infer<typeof CheckoutResponseSchema>;

/** `GET /api/payments/checkout/{sessionId}`: what the success page polls. */
export const CheckoutStatusSchema = z.object({
  sessionId: z.string(),
  kind: PaymentKindSchema,
  status: z.enum(['pending', 'paid', 'failed', 'refunded', 'disputed', 'duplicate', 'active']),
  courseId: z.string(),
});
export type CheckoutStatus = z.infer<typeof CheckoutStatusSchema>;

/** `POST /api/admin/payments/{id}/refund`: full refund unless `amount` is given. */
export const RefundRequestSchema = z.strictObject({
  /** Minor units; default: everything not yet refunded. */
  amount: z.number().int().positive().optional(),
  reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
});

export const SUBSCRIPTION_STATUSES = [
  /** Checkout finished, first invoice not paid yet. */
  'incomplete',
  'active',
  /** A renewal failed; Stripe retries. Access is kept during the retries. */
  'past_due',
  /** Canceled or ended: terminal, access revoked; later events never reopen it. */
  'canceled',
] as const;
export const SubscriptionStatusSchema = z.enum(SUBSCRIPTION_STATUSES);
export type SubscriptionStatus = z.infer<typeof SubscriptionStatusSchema>;

export const SubscriptionSchema = z.object({
  id: z.string(),
  courseId: z.string(),
  amount: z.number().int(),
  currency: CurrencySchema,
  status: SubscriptionStatusSchema,
  /** Paid up to this instant (ISO 8601, UTC), from the last paid invoice. */
  currentPeriodEnd: z.string().nullable(),
  cancelAtPeriodEnd: z.boolean(),
  createdAt: z.string(),
});
export type Subscription = z.infer<typeof SubscriptionSchema>;
export const SubscriptionListSchema = z.object({ items: z.array(SubscriptionSchema) });

/** What the webhook answers Stripe (anything 2xx stops Stripe's retries). */
export const WebhookAckSchema = z.object({
  received: z.literal(true),
  /** false when this event id was already processed (a replay). */
  processed: z.boolean(),
});
