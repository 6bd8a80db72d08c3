import type { OpenAPIHono } from '@hono/zod-openapi';
import { AppError, type Queryable } from '@learnlive/common';
import {
  CheckoutResponseSchema,
  CheckoutStatusSchema,
  CourseCheckoutRequestSchema,
  PaymentListSchema,
  PaymentSchema,
  PaymentStatusSchema,
  RefundRequestSchema,
  SubscriptionListSchema,
  SubscriptionSchema,
  WebhookAckSchema,
  type Payment,
} from '@learnlive/contracts';
import { z } from 'zod';
import { currentUser } from '../auth/middleware.js';
import { authenticatedRoute } from '../auth/authenticatedRoute.js';
import type { ApiContext } from '../context.js';
import { courseAccess } from '../entitlements.js';
import { jsonBody, jsonRequest, problems } from '../responses.js';
import { revokePaidAccess } from './access.js';
import { callStripe, createStripeClient, requireStripe } from './stripeClient.js';
import { receiveWebhook } from './webhook.js';
import { applyReversal } from './webhookHandlers.js';

const unavailable = {
  content: { 'application/problem+json': { schema: z.object({ code: z.literal('unavailable') }) } },
  description: 'Payments are not configured, or Stripe did not answer (`unavailable`)',
};

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const PAYMENT_COLUMNS = `id, user_id as "userId", kind, course_id as "courseId", amount, lower(currency) as currency,
  refunded_amount as "refundedAmount", status, ${iso('created_at')} as "createdAt", ${iso('updated_at')} as "updatedAt"`;

const SUBSCRIPTION_COLUMNS = `id, course_id as "courseId", amount, lower(currency) as currency, status,
  ${iso('current_period_end')} as "currentPeriodEnd", cancel_at_period_end as "cancelAtPeriodEnd",
  ${iso('created_at')} as "createdAt"`;

const checkout = authenticatedRoute({
  method: 'post',
  path: '/api/payments/checkout',
  tags: ['payments'],
  summary:
    'Open a Stripe Checkout Session to buy (one-time price) or subscribe to (subscription price) a course',
  request: { body: jsonRequest(CourseCheckoutRequestSchema) },
  responses: {
    201: jsonBody(CheckoutResponseSchema, 'Send the browser to checkoutUrl'),
    503: unavailable,
  },
  errors: [400, 404, 409],
});

const checkoutStatus = authenticatedRoute({
  method: 'get',
  path: '/api/payments/checkout/{sessionId}',
  tags: ['payments'],
  summary: 'Whether a Checkout Session of the caller was paid (the success page polls this)',
  request: { params: z.object({ sessionId: z.string().regex(/^cs_\w+$/, 'a Checkout Session id') }) },
  responses: { 200: jsonBody(CheckoutStatusSchema, 'Status') },
  errors: [404],
});

const myPayments = authenticatedRoute({
  method: 'get',
  path: '/api/payments/me',
  tags: ['payments'],
  summary: 'The caller’s transactions, newest first',
  responses: { 200: jsonBody(PaymentListSchema, 'Transactions') },
});

const mySubscriptions = authenticatedRoute({
  method: 'get',
  path: '/api/subscriptions/me',
  tags: ['payments'],
  summary: 'The caller’s subscriptions',
  responses: { 200: jsonBody(SubscriptionListSchema, 'Subscriptions') },
});

const cancelSubscription = authenticatedRoute({
  method: 'post',
  path: '/api/subscriptions/{id}/cancel',
  tags: ['payments'],
  summary: 'Cancel one of the caller’s subscriptions now (access ends)',
  request: { params: z.object({ id: z.uuid() }) },
  responses: {
    200: jsonBody(SubscriptionSchema, 'Canceled'),
    503: unavailable,
  },
  errors: [404, 409],
});

const adminPayments = authenticatedRoute({
  method: 'get',
  path: '/api/admin/payments',
  tags: ['payments'],
  summary: 'All transactions (admins)',
  roles: ['admin'],
  request: {
    query: z.strictObject({
      status: PaymentStatusSchema.optional(),
      userId: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: { 200: jsonBody(PaymentListSchema, 'Transactions') },
});

const refund = authenticatedRoute({
  method: 'post',
  path: '/api/admin/payments/{id}/refund',
  tags: ['payments'],
  summary: 'Refund a payment through Stripe (admins); a full refund revokes the course',
  roles: ['admin'],
  request: { params: z.object({ id: z.uuid() }), body: jsonRequest(RefundRequestSchema) },
  responses: {
    200: jsonBody(PaymentSchema, 'Refunded'),
    503: unavailable,
  },
  errors: [400, 404, 409],
});

async function paymentById(db: Queryable, id: string): Promise<Payment | undefined> {
  const { rows } = await db.query<Payment>(`select ${PAYMENT_COLUMNS} from payments where id = $1`, [id]);
  return rows[0];
}

export function paymentRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const log = ctx.logger.child({ module: 'payments' });
  const stripe = createStripeClient(ctx.config.stripe);
  if (!stripe) log.info('STRIPE_SECRET_KEY is not set: payment routes answer 503');

  // Documented by hand: its body is read raw, not through a zod validator.
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/api/payments/webhook',
    tags: ['payments'],
    summary: 'Stripe webhook: signed events (Stripe-Signature over the raw body), each applied once',
    request: { headers: z.object({ 'stripe-signature': z.string() }) },
    responses: {
      200: jsonBody(WebhookAckSchema, 'Received; `processed: false` for a replay'),
      400: problems[400],
      503: unavailable,
    },
  });
  // Raw body on purpose: the signature covers the exact bytes Stripe sent.
  app.post('/api/payments/webhook', async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const processed = await receiveWebhook(
      ctx.db,
      log,
      {
        secret: ctx.config.stripe.webhookSecret,
        toleranceSeconds: ctx.config.stripe.webhookToleranceSeconds,
      },
      raw,
      c.req.header('stripe-signature'),
    );
    return c.json(WebhookAckSchema.parse({ received: true, processed }), 200);
  });

  app.openapi(checkout, async (c) => {
    const user = currentUser(c);
    const { courseId } = c.req.valid('json');
    const client = requireStripe(stripe);
    const { rows } = await ctx.db.query<{
      title: string;
      pricing: 'free' | 'one_time' | 'subscription';
      price_amount: number;
      currency: string;
      status: string;
    }>('select title, pricing, price_amount, currency, status from courses where id = $1', [courseId]);
    const course = rows[0];
    if (!course || course.status !== 'published') throw new AppError('not_found', 'no such course');
    if (course.pricing === 'free') throw new AppError('conflict', 'this course is free: enroll directly');
    if ((await courseAccess(ctx.db, user, courseId)) !== 'none') {
      throw new AppError('conflict', 'you already have this course');
    }
    const mode = course.pricing === 'one_time' ? 'payment' : 'subscription';
    if (mode === 'subscription') {
      const live = await ctx.db.query(
        `select 1 from subscriptions where user_id = $1 and course_id = $2 and status in ('active', 'past_due')`,
        [user.id, courseId],
      );
      if (live.rowCount > 0) throw new AppError('conflict', 'you already subscribe to this course');
    }
    const currency = course.currency.toLowerCase();
    const paymentId =
      mode === 'payment'
        ? (
            await ctx.db.query<{ id: string }>(
              `insert into payments (user_id, course_id, kind, amount, currency) values ($1, $2, 'course', $3, $4) returning id`,
              [user.id, courseId, course.price_amount, course.currency],
            )
          ).rows[0]!.id
        : null;
    const metadata = { userId: user.id, courseId, ...(paymentId ? { paymentId } : {}) };
    const base = ctx.config.publicUrl;
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
      log.warn({ err, courseId }, 'checkout session not created');
      if (paymentId) await ctx.db.query(`update payments set status = 'failed' where id = $1`, [paymentId]);
      throw err;
    });
    if (!session.url) throw new AppError('unavailable', 'the payment provider returned no checkout page');
    await ctx.db.transaction(async (tx) => {
      if (paymentId) {
        await tx.query('update payments set stripe_checkout_session_id = $2 where id = $1', [
          paymentId,
          session.id,
        ]);
      }
      await tx.query(
        `insert into checkout_sessions (id, user_id, course_id, mode, payment_id) values ($1, $2, $3, $4, $5)
         on conflict (id) do nothing`,
        [session.id, user.id, courseId, mode, paymentId],
      );
    });
    log.info({ userId: user.id, courseId, mode, sessionId: session.id }, 'checkout session opened');
    return c.json({ paymentId, sessionId: session.id, checkoutUrl: session.url }, 201);
  });

  app.openapi(checkoutStatus, async (c) => {
    const user = currentUser(c);
    const { sessionId } = c.req.valid('param');
    const { rows } = await ctx.db.query<{
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
      [sessionId, user.id],
    );
    const row = rows[0];
    if (!row) throw new AppError('not_found', 'no such checkout session');
    const status =
      row.mode === 'payment'
        ? (row.payment_status ?? 'pending')
        : row.subscription_status === 'active' || row.subscription_status === 'past_due'
          ? 'active'
          : row.subscription_status === 'canceled'
            ? 'failed'
            : 'pending';
    return c.json(
      CheckoutStatusSchema.parse({
        sessionId,
        kind: row.mode === 'payment' ? 'course' : 'subscription',
        status,
        courseId: row.course_id,
      }),
      200,
    );
  });

  app.openapi(myPayments, async (c) => {
    const user = currentUser(c);
    const { rows } = await ctx.db.query<Payment>(
      `select ${PAYMENT_COLUMNS} from payments where user_id = $1 and status <> 'pending' order by created_at desc limit 200`,
      [user.id],
    );
    return c.json({ items: rows }, 200);
  });

  app.openapi(mySubscriptions, async (c) => {
    const user = currentUser(c);
    const { rows } = await ctx.db.query<z.infer<typeof SubscriptionSchema>>(
      `select ${SUBSCRIPTION_COLUMNS} from subscriptions where user_id = $1 order by created_at desc`,
      [user.id],
    );
    return c.json({ items: rows }, 200);
  });

  app.openapi(cancelSubscription, async (c) => {
    const user = currentUser(c);
    const { id } = c.req.valid('param');
    const client = requireStripe(stripe);
    const { rows } = await ctx.db.query<{ stripe_subscription_id: string; status: string }>(
      'select stripe_subscription_id, status from subscriptions where id = $1 and user_id = $2',
      [id, user.id],
    );
    const sub = rows[0];
    if (!sub) throw new AppError('not_found', 'no such subscription');
    if (sub.status === 'canceled') throw new AppError('conflict', 'this subscription has already ended');
    await callStripe(() => client.subscriptions.cancel(sub.stripe_subscription_id));
    // Applied now rather than on the webhook, so the answer already says canceled; the
    // `customer.subscription.deleted` that follows finds it canceled and changes nothing.
    await ctx.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`sub:${sub.stripe_subscription_id}`]);
      const ended = await tx.query<{ user_id: string; course_id: string }>(
        `update subscriptions set status = 'canceled', ended_at = now(), updated_at = now()
          where id = $1 and status <> 'canceled' returning user_id, course_id`,
        [id],
      );
      const row = ended.rows[0];
      if (row) {
        await revokePaidAccess(tx, row.user_id, row.course_id);
      }
    });
    const after = await ctx.db.query<z.infer<typeof SubscriptionSchema>>(
      `select ${SUBSCRIPTION_COLUMNS} from subscriptions where id = $1`,
      [id],
    );
    return c.json(after.rows[0]!, 200);
  });

  app.openapi(adminPayments, async (c) => {
    const { status, userId, limit } = c.req.valid('query');
    const { rows } = await ctx.db.query<Payment>(
      `select ${PAYMENT_COLUMNS} from payments
        where ($1::text is null or status = $1) and ($2::uuid is null or user_id = $2)
        order by created_at desc limit $3`,
      [status ?? null, userId ?? null, limit],
    );
    return c.json({ items: rows }, 200);
  });

  app.openapi(refund, async (c) => {
    const admin = currentUser(c);
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const client = requireStripe(stripe);
    const { rows } = await ctx.db.query<{
      amount: number;
      refunded_amount: number;
      status: string;
      stripe_payment_intent_id: string | null;
    }>('select amount, refunded_amount, status, stripe_payment_intent_id from payments where id = $1', [id]);
    const payment = rows[0];
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
    await ctx.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`pi:${intent}`]);
      await applyReversal(tx, intent, 'refund', payment.refunded_amount + amount, log);
    });
    log.info({ paymentId: id, amount, adminId: admin.id }, 'refund issued');
    return c.json((await paymentById(ctx.db, id))!, 200);
  });
}
