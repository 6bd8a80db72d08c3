import type Stripe from 'stripe';
import { AppError, type Db, type Logger } from '@learnlive/common';
import {
  CheckoutStatusSchema,
  type CheckoutStatus,
  type Payment,
  type PaymentStatus,
  type RefundRequestSchema,
} from '@learnlive/contracts';
import type { z } from 'zod';
import type { AuthUser } from '../auth/middleware.js';
import { loadSummary } from '../courses/rows.js';
import { courseAccess } from '../entitlements.js';
import { revokePaidAccess } from './access.js';
import * as data from './data.js';
import type { Subscription } from './data.js';
import { callStripe, requireStripe } from './stripeClient.js';
import { receiveWebhook, type WebhookOptions } from './webhook.js';
import { applyReversal } from './webhookHandlers.js';

export interface PaymentOptions {
  db: Db;
  logger: Logger;
  /** undefined when STRIPE_SECRET_KEY is not set: everything that needs Stripe answers 503. */
  stripe: Stripe | undefined;
  webhook: WebhookOptions;
  /** Where the client is served: Stripe sends the browser back there. */
  publicUrl: string;
}

/**
 * Buying and subscribing to courses through Stripe Checkout, what the caller paid, and the
 * admin's refunds. Access follows the money through `access.ts`; what Stripe reports later
 * arrives through the webhook and is applied by `webhookHandlers.ts`.
 */
export class PaymentService {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #stripe: Stripe | undefined;
  readonly #webhook: WebhookOptions;
  readonly #publicUrl: string;

  constructor(options: PaymentOptions) {
    this.#db = options.db;
    this.#log = options.logger;
    this.#stripe = options.stripe;
    this.#webhook = options.webhook;
    this.#publicUrl = options.publicUrl;
  }

  /** Applies one signed webhook delivery; false when it was a replay. */
  receiveWebhook(rawBody: Uint8Array, signature: string | undefined): Promise<boolean> {
    return receiveWebhook(this.#db, this.#log, this.#webhook, rawBody, signature);
  }

  /** Opens a Checkout Session to buy (one-time price) or subscribe to (subscription price) a course. */
  async checkout(
    user: AuthUser,
    courseId: string,
  ): Promise<{ paymentId: string | null; sessionId: string; checkoutUrl: string }> {
    const client = requireStripe(this.#stripe);
    const course = await loadSummary(this.#db, courseId);
    if (!course || course.status !== 'published') throw new AppError('not_found', 'no such course');
    if (course.pricing === 'free') throw new AppError('conflict', 'this course is free: enroll directly');
    if ((await courseAccess(this.#db, user, courseId)) !== 'none') {
      throw new AppError('conflict', 'you already have this course');
    }
    const mode = course.pricing === 'one_time' ? 'payment' : 'subscription';
    if (mode === 'subscription' && (await data.hasLiveSubscription(this.#db, user.id, courseId))) {
      throw new AppError('conflict', 'you already subscribe to this course');
    }
    const currency = course.currency.toLowerCase();
    const paymentId =
      mode === 'payment'
        ? await data.insertPendingPayment(this.#db, {
            userId: user.id,
            courseId,
            amount: course.price_amount,
            currency: course.currency,
          })
        : null;
    const metadata = { userId: user.id, courseId, ...(paymentId ? { paymentId } : {}) };
    const base = this.#publicUrl;
    const session = await callStripe(() =>
      client.checkout.sessions.create(
        {
          mode,
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency,
                unit_amount: course.price_amount,
                product_data: { name: course.title },
                ...(mode === 'subscription' ? { recurring: { interval: 'month' as const } } : {}),
              },
            },
          ],
          client_reference_id: paymentId ?? user.id,
          metadata,
          ...(mode === 'payment'
            ? { payment_intent_data: { metadata } }
            : { subscription_data: { metadata } }),
          success_url: `${base}/payments/success?session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${base}/courses/${courseId}?checkout=canceled`,
        },
        // A retried request (network) opens the same session, never a second one.
        { idempotencyKey: `checkout:${paymentId ?? `${user.id}:${courseId}:${Date.now()}`}` },
      ),
    ).catch(async (err: unknown) => {
      this.#log.warn({ err, courseId }, 'checkout session not created');
      if (paymentId) await data.markPaymentFailed(this.#db, paymentId);
      throw err;
    });
    if (!session.url) throw new AppError('unavailable', 'the payment provider returned no checkout page');
    await this.#db.transaction(async (tx) => {
      if (paymentId) await data.setPaymentCheckoutSession(tx, paymentId, session.id);
      await data.insertCheckoutSession(tx, { id: session.id, userId: user.id, courseId, mode, paymentId });
    });
    this.#log.info({ userId: user.id, courseId, mode, sessionId: session.id }, 'checkout session opened');
    return { paymentId, sessionId: session.id, checkoutUrl: session.url };
  }

  /** Whether a Checkout Session of the caller was paid (the success page polls this). */
  async checkoutStatus(user: AuthUser, sessionId: string): Promise<CheckoutStatus> {
    const row = await data.checkoutSessionOf(this.#db, sessionId, user.id);
    if (!row) throw new AppError('not_found', 'no such checkout session');
    const status =
      row.mode === 'payment'
        ? (row.payment_status ?? 'pending')
        : row.subscription_status === 'active' || row.subscription_status === 'past_due'
          ? 'active'
          : row.subscription_status === 'canceled'
            ? 'failed'
            : 'pending';
    return CheckoutStatusSchema.parse({
      sessionId,
      kind: row.mode === 'payment' ? 'course' : 'subscription',
      status,
      courseId: row.course_id,
    });
  }

  myPayments(user: AuthUser): Promise<Payment[]> {
    return data.paymentsOf(this.#db, user.id);
  }

  mySubscriptions(user: AuthUser): Promise<Subscription[]> {
    return data.subscriptionsOf(this.#db, user.id);
  }

  /** Cancels one of the caller's subscriptions at Stripe and here, now: access ends. */
  async cancelSubscription(user: AuthUser, id: string): Promise<Subscription> {
    const client = requireStripe(this.#stripe);
    const sub = await data.subscriptionToCancel(this.#db, id, user.id);
    if (!sub) throw new AppError('not_found', 'no such subscription');
    if (sub.status === 'canceled') throw new AppError('conflict', 'this subscription has already ended');
    await callStripe(() => client.subscriptions.cancel(sub.stripe_subscription_id));
    // Applied now rather than on the webhook, so the answer already says canceled; the
    // `customer.subscription.deleted` that follows finds it canceled and changes nothing.
    await this.#db.transaction(async (tx) => {
      await data.lockStripeObject(tx, `sub:${sub.stripe_subscription_id}`);
      const ended = await data.endSubscription(tx, id);
      if (ended) await revokePaidAccess(tx, ended.user_id, ended.course_id);
    });
    return (await data.subscriptionById(this.#db, id))!;
  }

  allPayments(filter: { status: PaymentStatus | undefined; userId: string | undefined; limit: number }) {
    return data.allPayments(this.#db, filter);
  }

  /** Refunds a payment through Stripe (admins); a full refund revokes the course. */
  async refund(admin: AuthUser, id: string, body: z.infer<typeof RefundRequestSchema>): Promise<Payment> {
    const client = requireStripe(this.#stripe);
    const payment = await data.paymentToRefund(this.#db, id);
    if (!payment) throw new AppError('not_found', 'no such payment');
    if (!['paid', 'duplicate', 'disputed'].includes(payment.status)) {
      throw new AppError('conflict', `a ${payment.status} payment cannot be refunded`);
    }
    const intent = payment.stripe_payment_intent_id;
    if (!intent)
      throw new AppError(
        'conflict',
        'this payment has no card charge to refund here; use the Stripe dashboard',
      );
    const remaining = payment.amount - payment.refunded_amount;
    const amount = body.amount ?? remaining;
    if (amount > remaining) {
      throw new AppError('validation_failed', 'the refund is larger than what is left to refund', {
        fieldErrors: [{ path: 'amount', message: `at most ${remaining}` }],
      });
    }
    await callStripe(() =>
      client.refunds.create(
        { payment_intent: intent, amount, ...(body.reason ? { reason: body.reason } : {}) },
        { idempotencyKey: `refund:${id}:${payment.refunded_amount}:${amount}` },
      ),
    );
    // Applied now; the `charge.refunded` webhook that follows carries the same cumulative amount.
    await this.#db.transaction(async (tx) => {
      await data.lockStripeObject(tx, `pi:${intent}`);
      await applyReversal(tx, intent, 'refund', payment.refunded_amount + amount, this.#log);
    });
    this.#log.info({ paymentId: id, amount, adminId: admin.id }, 'refund issued');
    return (await data.paymentById(this.#db, id))!;
  }
}
