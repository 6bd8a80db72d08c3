import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_ADAPTERS } from '@learnlive/testing';
import { apiHarness, type TestUser } from './harness.test-support.js';

describe.each(DATABASE_ADAPTERS)('payments on %s', (_name, create) => {
  const h = apiHarness(create);
  let instructor: TestUser;
  let admin: TestUser;
  beforeAll(async () => {
    await h.start();
    instructor = await h.user('instructor');
    admin = await h.user('admin');
  });
  afterAll(() => h.stop());

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await h.db.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params)).rows[0]!.n);

  async function checkout(user: TestUser, courseId: string) {
    const res = await h.call('POST', '/api/payments/checkout', { token: user.token, body: { courseId } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { paymentId: string | null; sessionId: string; checkoutUrl: string };
  }

  async function deliverAll(events: ReturnType<typeof h.stripe.pay>) {
    for (const event of events) {
      const res = await h.stripe.deliver(event);
      expect(res.status, res.body).toBe(200);
    }
  }

  it('sells a course through Checkout and grants it once the signed webhook arrives; a replay changes nothing', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id, { pricing: 'one_time', amount: 4900 });
    const session = await checkout(learner, courseId);
    expect(session.checkoutUrl).toBe(`${h.stripe.url}/checkout/${session.sessionId}`);
    const sent = h.stripe.requests.find(
      (r) => r.path === '/v1/checkout/sessions' && r.body.client_reference_id === session.paymentId,
    );
    expect(sent?.authorization).toBe('Bearer sk_test_fake0123');
    expect(sent?.idempotencyKey).toBe(`checkout:${session.paymentId}`);
    expect(sent?.body).toMatchObject({
      mode: 'payment',
      success_url: 'http://localhost:5173/payments/success?session_id={CHECKOUT_SESSION_ID}',
      line_items: [{ quantity: '1', price_data: { currency: 'eur', unit_amount: '4900' } }],
      metadata: { userId: learner.id, courseId },
    });
    expect(await h.enrollment(learner.id, courseId)).toBeUndefined();
    let status = await h.call('GET', `/api/payments/checkout/${session.sessionId}`, { token: learner.token });
    expect(status.body).toMatchObject({ status: 'pending', kind: 'course', courseId });

    const [completed] = h.stripe.pay(session.sessionId);
    const first = await h.stripe.deliver(completed!);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ received: true, processed: true });
    expect(await h.enrollment(learner.id, courseId)).toBe('active');
    status = await h.call('GET', `/api/payments/checkout/${session.sessionId}`, { token: learner.token });
    expect(status.body.status).toBe('paid');

    const replay = await h.stripe.deliver(completed!);
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body)).toEqual({ received: true, processed: false });
    const mine = await h.call('GET', '/api/payments/me', { token: learner.token });
    expect(mine.body.items).toEqual([
      expect.objectContaining({ courseId, amount: 4900, currency: 'eur', status: 'paid', refundedAmount: 0 }),
    ]);
    // someone else's session is not visible
    const other = await h.user();
    expect(
      (await h.call('GET', `/api/payments/checkout/${session.sessionId}`, { token: other.token })).status,
    ).toBe(404);
  });

  it('refuses forged, tampered, stale and unsigned webhooks and changes nothing', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id);
    const session = await checkout(learner, courseId);
    const [completed] = h.stripe.pay(session.sessionId);
    const payload = JSON.stringify(completed);
    const events = await count('stripe_events');
    const attempts = [
      { header: h.sign(payload, { secret: 'whsec_somebody_else' }), body: payload },
      { header: h.sign(payload), body: payload.replace('"paid"', '"paid" ') },
      { header: h.sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 3600 }), body: payload },
      { header: undefined, body: payload },
      { header: 't=1,v1=deadbeef', body: payload },
    ];
    for (const attempt of attempts) {
      const res = await h.call('POST', '/api/payments/webhook', {
        raw: attempt.body,
        headers: attempt.header ? { 'stripe-signature': attempt.header } : {},
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('bad_request');
    }
    expect(await count('stripe_events')).toBe(events);
    expect(await h.enrollment(learner.id, courseId)).toBeUndefined();
    // the genuine delivery still works afterwards
    expect((await h.stripe.deliver(completed!)).status).toBe(200);
    expect(await h.enrollment(learner.id, courseId)).toBe('active');
  });

  it('processes an event once when the same delivery arrives several times at once, and a concurrent refund still wins', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id, { pricing: 'one_time', amount: 1500 });
    const session = await checkout(learner, courseId);
    const [completed] = h.stripe.pay(session.sessionId);
    const intent = h.stripe.sessions.get(session.sessionId)!.payment_intent!;
    const refunded = h.stripe.chargeRefunded(intent, 1500, 1500);
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => h.stripe.deliver(completed!)),
      h.stripe.deliver(refunded),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const processed = answers.slice(0, 4).filter((a) => JSON.parse(a.body).processed === true);
    expect(processed).toHaveLength(1);
    const mine = await h.call('GET', '/api/payments/me', { token: learner.token });
    expect(mine.body.items).toEqual([expect.objectContaining({ status: 'refunded', refundedAmount: 1500 })]);
    expect(await h.enrollment(learner.id, courseId)).not.toBe('active');
  });

  it('records unhandled event types and marks expired sessions failed', async () => {
    const unknown = h.stripe.event('customer.created', { id: 'cus_test_x', object: 'customer' });
    const res = await h.stripe.deliver(unknown);
    expect(res.status).toBe(200);
    expect(await count('stripe_events where id = $1', [unknown.id])).toBe(1);

    const learner = await h.user();
    const courseId = await h.course(instructor.id);
    const session = await checkout(learner, courseId);
    const stored = h.stripe.sessions.get(session.sessionId)!;
    const expired = h.stripe.event('checkout.session.expired', { ...stored, status: 'expired' });
    expect((await h.stripe.deliver(expired)).status).toBe(200);
    const status = await h.call('GET', `/api/payments/checkout/${session.sessionId}`, {
      token: learner.token,
    });
    expect(status.body.status).toBe('failed');
    // the learner can start over
    expect(
      (await h.call('POST', '/api/payments/checkout', { token: learner.token, body: { courseId } })).status,
    ).toBe(201);
  });

  it('answers 409 to buying an owned course, and keeps a second paid session as a duplicate', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id);
    const a = await checkout(learner, courseId);
    const b = await checkout(learner, courseId); // a second tab, before paying the first
    await deliverAll(h.stripe.pay(a.sessionId));
    const before = await count('payments where user_id = $1', [learner.id]);
    const again = await h.call('POST', '/api/payments/checkout', {
      token: learner.token,
      body: { courseId },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
    expect(await count('payments where user_id = $1', [learner.id])).toBe(before);

    await deliverAll(h.stripe.pay(b.sessionId));
    const { rows } = await h.db.query<{ status: string }>(
      'select status from payments where user_id = $1 order by status',
      [learner.id],
    );
    expect(rows.map((r) => r.status)).toEqual(['duplicate', 'paid']);
    // refunding the duplicate leaves access alone
    const res = await h.call('POST', `/api/admin/payments/${b.paymentId}/refund`, {
      token: admin.token,
      body: {},
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('refunded');
    expect(await h.enrollment(learner.id, courseId)).toBe('active');
  });

  it('lets an admin refund through Stripe, which revokes the course; the refund webhook afterwards is a no-op', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id, { pricing: 'one_time', amount: 2500 });
    const session = await checkout(learner, courseId);
    await deliverAll(h.stripe.pay(session.sessionId));
    const intent = h.stripe.sessions.get(session.sessionId)!.payment_intent!;

    const byLearner = await h.call('POST', `/api/admin/payments/${session.paymentId}/refund`, {
      token: learner.token,
      body: {},
    });
    expect(byLearner.status).toBe(403);
    const tooMuch = await h.call('POST', `/api/admin/payments/${session.paymentId}/refund`, {
      token: admin.token,
      body: { amount: 2501 },
    });
    expect(tooMuch.status).toBe(400);
    const partial = await h.call('POST', `/api/admin/payments/${session.paymentId}/refund`, {
      token: admin.token,
      body: { amount: 500 },
    });
    expect(partial.body).toMatchObject({ status: 'paid', refundedAmount: 500 });
    expect(await h.enrollment(learner.id, courseId)).toBe('active');
    const full = await h.call('POST', `/api/admin/payments/${session.paymentId}/refund`, {
      token: admin.token,
      body: { reason: 'requested_by_customer' },
    });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ status: 'refunded', refundedAmount: 2500 });
    expect(
      h.stripe.requests.filter((r) => r.path === '/v1/refunds' && r.body.payment_intent === intent),
    ).toHaveLength(2);
    expect(await h.enrollment(learner.id, courseId)).toBe('revoked');

    expect((await h.stripe.deliver(h.stripe.chargeRefunded(intent, 2500, 2500))).status).toBe(200);
    const after = await h.call('GET', '/api/admin/payments', {
      token: admin.token,
      query: undefined,
    } as never);
    expect(after.status).toBe(200);
    const mine = await h.call('GET', '/api/payments/me', { token: learner.token });
    expect(mine.body.items[0]).toMatchObject({ status: 'refunded', refundedAmount: 2500 });
    const again = await h.call('POST', `/api/admin/payments/${session.paymentId}/refund`, {
      token: admin.token,
      body: {},
    });
    expect(again.status).toBe(409);
  });

  it('applies a refund or a dispute that arrives before the completion it reverses', async () => {
    for (const kind of ['refund', 'dispute'] as const) {
      const learner = await h.user();
      const courseId = await h.course(instructor.id, { pricing: 'one_time', amount: 1000 });
      const session = await checkout(learner, courseId);
      const [completed] = h.stripe.pay(session.sessionId);
      const intent = h.stripe.sessions.get(session.sessionId)!.payment_intent!;
      const reversal =
        kind === 'refund'
          ? h.stripe.chargeRefunded(intent, 1000, 1000)
          : h.stripe.disputeCreated(intent, 1000);
      expect((await h.stripe.deliver(reversal)).status).toBe(200);
      expect((await h.stripe.deliver(completed!)).status).toBe(200);
      expect(await h.enrollment(learner.id, courseId)).toBeUndefined();
      const mine = await h.call('GET', '/api/payments/me', { token: learner.token });
      expect(mine.body.items[0].status).toBe(kind === 'refund' ? 'refunded' : 'disputed');
    }
  });

  it('revokes a course when its charge is disputed', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id);
    const session = await checkout(learner, courseId);
    await deliverAll(h.stripe.pay(session.sessionId));
    expect(await h.enrollment(learner.id, courseId)).toBe('active');
    const intent = h.stripe.sessions.get(session.sessionId)!.payment_intent!;
    expect((await h.stripe.deliver(h.stripe.disputeCreated(intent, 4900))).status).toBe(200);
    expect(await h.enrollment(learner.id, courseId)).toBe('revoked');
  });

  it('runs a subscription through its lifecycle: created, renewed, past due, canceled; a late invoice does not reopen it', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id, { pricing: 'subscription', amount: 990 });
    const session = await checkout(learner, courseId);
    expect(session.paymentId).toBeNull();
    const sent = h.stripe.requests.findLast((r) => r.path === '/v1/checkout/sessions');
    expect(sent?.body).toMatchObject({
      mode: 'subscription',
      line_items: [{ price_data: { unit_amount: '990', recurring: { interval: 'month' } } }],
      subscription_data: { metadata: { userId: learner.id, courseId } },
    });
    const events = h.stripe.pay(session.sessionId);
    await deliverAll(events);
    const subscriptionId = h.stripe.sessions.get(session.sessionId)!.subscription!;
    expect(await h.enrollment(learner.id, courseId)).toBe('active');
    let subs = await h.call('GET', '/api/subscriptions/me', { token: learner.token });
    expect(subs.body.items).toEqual([
      expect.objectContaining({ courseId, status: 'active', amount: 990, currency: 'eur' }),
    ]);
    expect(subs.body.items[0].currentPeriodEnd).toMatch(/Z$/);
    expect(
      (await h.call('GET', `/api/payments/checkout/${session.sessionId}`, { token: learner.token })).body
        .status,
    ).toBe('active');
    const again = await h.call('POST', '/api/payments/checkout', {
      token: learner.token,
      body: { courseId },
    });
    expect(again.status).toBe(409);

    const later = Math.floor(Date.now() / 1000) + 10;
    const renewal = h.stripe.renewal(subscriptionId);
    renewal.created = later;
    expect((await h.stripe.deliver(renewal)).status).toBe(200);
    const failed = h.stripe.event(
      'invoice.payment_failed',
      { ...renewal.data.object, id: 'in_test_failed', amount_paid: 0 },
      later + 1,
    );
    expect((await h.stripe.deliver(failed)).status).toBe(200);
    subs = await h.call('GET', '/api/subscriptions/me', { token: learner.token });
    expect(subs.body.items[0].status).toBe('past_due');
    expect(await h.enrollment(learner.id, courseId)).toBe('active'); // grace while Stripe retries

    const deleted = h.stripe.subscriptionEvent(subscriptionId, 'customer.subscription.deleted', 'canceled');
    deleted.created = later + 2;
    expect((await h.stripe.deliver(deleted)).status).toBe(200);
    expect(await h.enrollment(learner.id, courseId)).toBe('revoked');
    const late = h.stripe.renewal(subscriptionId);
    late.created = later + 3;
    expect((await h.stripe.deliver(late)).status).toBe(200);
    subs = await h.call('GET', '/api/subscriptions/me', { token: learner.token });
    expect(subs.body.items[0].status).toBe('canceled');
    expect(await h.enrollment(learner.id, courseId)).toBe('revoked');
    const payments = await h.call('GET', '/api/payments/me', { token: learner.token });
    expect(payments.body.items.filter((p: { kind: string }) => p.kind === 'subscription')).toHaveLength(3);
  });

  it('lets an admin refund a subscription invoice; the subscription itself goes on', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id, { pricing: 'subscription', amount: 1200 });
    const session = await checkout(learner, courseId);
    await deliverAll(h.stripe.pay(session.sessionId));
    const [invoicePayment] = (await h.call('GET', '/api/payments/me', { token: learner.token })).body.items;
    expect(invoicePayment).toMatchObject({ kind: 'subscription', status: 'paid', amount: 1200 });
    const res = await h.call('POST', `/api/admin/payments/${invoicePayment.id}/refund`, {
      token: admin.token,
      body: {},
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'refunded', refundedAmount: 1200 });
    const subs = await h.call('GET', '/api/subscriptions/me', { token: learner.token });
    expect(subs.body.items[0].status).toBe('active');
    expect(await h.enrollment(learner.id, courseId)).toBe('active');
  });

  it('keeps a subscription ended when subscription.deleted arrives before invoice.paid', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id, { pricing: 'subscription', amount: 500 });
    const session = await checkout(learner, courseId);
    const events = h.stripe.pay(session.sessionId);
    const subscriptionId = h.stripe.sessions.get(session.sessionId)!.subscription!;
    const deleted = h.stripe.subscriptionEvent(subscriptionId, 'customer.subscription.deleted', 'canceled');
    await deliverAll([deleted, ...events.reverse()]);
    const subs = await h.call('GET', '/api/subscriptions/me', { token: learner.token });
    expect(subs.body.items[0].status).toBe('canceled');
    expect(await h.enrollment(learner.id, courseId)).toBeUndefined();
  });

  it('does not take a paid subscription back to incomplete when a same-second created event comes last', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id, { pricing: 'subscription', amount: 300 });
    const session = await checkout(learner, courseId);
    const [completed, , paid] = h.stripe.pay(session.sessionId);
    const subscriptionId = h.stripe.sessions.get(session.sessionId)!.subscription!;
    const created = h.stripe.subscriptionEvent(subscriptionId, 'customer.subscription.updated', 'incomplete');
    created.type = 'customer.subscription.created';
    created.created = paid!.created;
    await deliverAll([completed!, paid!, created]);
    const subs = await h.call('GET', '/api/subscriptions/me', { token: learner.token });
    expect(subs.body.items[0].status).toBe('active');
    expect(await h.enrollment(learner.id, courseId)).toBe('active');
  });

  it('lets a subscriber cancel: Stripe is told, access ends', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id, { pricing: 'subscription', amount: 700 });
    const session = await checkout(learner, courseId);
    await deliverAll(h.stripe.pay(session.sessionId));
    const [sub] = (await h.call('GET', '/api/subscriptions/me', { token: learner.token })).body.items;
    const other = await h.user();
    expect((await h.call('POST', `/api/subscriptions/${sub.id}/cancel`, { token: other.token })).status).toBe(
      404,
    );
    const res = await h.call('POST', `/api/subscriptions/${sub.id}/cancel`, { token: learner.token });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('canceled');
    expect(
      h.stripe.requests.some((r) => r.method === 'DELETE' && r.path.startsWith('/v1/subscriptions/')),
    ).toBe(true);
    expect(await h.enrollment(learner.id, courseId)).toBe('revoked');
  });

  it('answers bad input with problem+json and a stable code, creating nothing', async () => {
    const learner = await h.user();
    const courseId = await h.course(instructor.id);
    const free = await h.course(instructor.id, { pricing: 'free', amount: 0 });
    const before = await count('payments');
    const cases: Array<[unknown, number, string]> = [
      [{ courseId, extra: 1 }, 400, 'validation_failed'],
      [{ courseId: 'not-a-uuid' }, 400, 'validation_failed'],
      [{ courseId: 42 }, 400, 'validation_failed'],
      [{ courseId: '00000000-0000-4000-8000-000000000000' }, 404, 'not_found'],
      [{ courseId: free }, 409, 'conflict'],
    ];
    for (const [body, status, code] of cases) {
      const res = await h.call('POST', '/api/payments/checkout', { token: learner.token, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
    }
    const malformed = await h.call('POST', '/api/payments/checkout', {
      token: learner.token,
      raw: '{"courseId":',
    });
    expect(malformed.status).toBe(400);
    expect((await h.call('POST', '/api/payments/checkout', { body: { courseId } })).status).toBe(401);
    const negative = await h.call('POST', `/api/admin/payments/${courseId}/refund`, {
      token: admin.token,
      body: { amount: -5 },
    });
    expect(negative.body.code).toBe('validation_failed');
    expect(await count('payments')).toBe(before);
  });
});

describe('payments without Stripe configured', () => {
  const [, create] = DATABASE_ADAPTERS.find(([name]) => name === 'pglite')!;
  const h = apiHarness(create, { STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' });
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('answers 503 unavailable to checkout and webhooks', async () => {
    const instructor = await h.user('instructor');
    const learner: TestUser = await h.user();
    const courseId = await h.course(instructor.id);
    const res = await h.call('POST', '/api/payments/checkout', { token: learner.token, body: { courseId } });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('unavailable');
    const hook = await h.call('POST', '/api/payments/webhook', {
      raw: '{}',
      headers: { 'stripe-signature': 't=1,v1=x' },
    });
    expect(hook.status).toBe(503);
    expect(hook.body.code).toBe('unavailable');
  });
});
