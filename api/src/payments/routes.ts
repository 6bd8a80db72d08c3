import type { OpenAPIHono } from '@hono/zod-openapi';
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
} from '@learnlive/contracts';
import { z } from 'zod';
import { authenticatedRoute } from '../auth/authenticatedRoute.js';
import { currentUser } from '../auth/middleware.js';
import type { ApiContext } from '../context.js';
import { jsonBody, jsonRequest, problems } from '../responses.js';
import { PaymentService } from './service.js';
import { createStripeClient } from './stripeClient.js';

const unavailable = {
  content: { 'application/problem+json': { schema: z.object({ code: z.literal('unavailable') }) } },
  description: 'Payments are not configured, or Stripe did not answer (`unavailable`)',
};

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

/** The HTTP side of payments: each route validated by its schema, answered by the service. */
export function paymentRoutes(app: OpenAPIHono, ctx: ApiContext): void {
  const logger = ctx.logger.child({ module: 'payments' });
  const stripe = createStripeClient(ctx.config.stripe);
  if (!stripe) logger.info('STRIPE_SECRET_KEY is not set: payment routes answer 503');
  const payments = new PaymentService({
    db: ctx.db,
    logger,
    stripe,
    webhook: {
      secret: ctx.config.stripe.webhookSecret,
      toleranceSeconds: ctx.config.stripe.webhookToleranceSeconds,
    },
    publicUrl: ctx.config.publicUrl,
  });

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
    const processed = await payments.receiveWebhook(raw, c.req.header('stripe-signature'));
    return c.json(WebhookAckSchema.parse({ received: true, processed }), 200);
  });

  app.openapi(checkout, async (c) =>
    c.json(await payments.checkout(currentUser(c), c.req.valid('json').courseId), 201),
  );

  app.openapi(checkoutStatus, async (c) =>
    c.json(await payments.checkoutStatus(currentUser(c), c.req.valid('param').sessionId), 200),
  );

  app.openapi(myPayments, async (c) => c.json({ items: await payments.myPayments(currentUser(c)) }, 200));

  app.openapi(mySubscriptions, async (c) =>
    c.json({ items: await payments.mySubscriptions(currentUser(c)) }, 200),
  );

  app.openapi(cancelSubscription, async (c) =>
    c.json(await payments.cancelSubscription(currentUser(c), c.req.valid('param').id), 200),
  );

  app.openapi(adminPayments, async (c) => {
    const { status, userId, limit } = c.req.valid('query');
    return c.json({ items: await payments.allPayments({ status, userId, limit }) }, 200);
  });

  app.openapi(refund, async (c) =>
    c.json(await payments.refund(currentUser(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
}
