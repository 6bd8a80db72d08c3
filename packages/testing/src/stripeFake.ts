import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small local stand-in for the parts of the Stripe API the learnlive API calls (there is no
 * Stripe here): Checkout Sessions, refunds and subscription cancellation, plus a hosted
 * "checkout page" whose Pay button completes the session and delivers the webhook events
 * Stripe would send, signed by the `sign` function the test passes (use
 * `Stripe.webhooks.generateTestHeaderString` so signatures are real).
 */
export interface StripeFakeOptions {
  /** Where Pay delivers events (the API's webhook endpoint). Settable later. */
  webhookUrl?: string;
  /** Builds the `stripe-signature` header for a payload. */
  sign?: (payload: string) => string;
}

export interface StripeEventLike {
  id: string;
  object: 'event';
  type: string;
  created: number;
  api_version: string;
  livemode: false;
  data: { object: Record<string, unknown> };
}

export interface FakeCheckoutSession extends Record<string, unknown> {
  id: string;
  mode: 'payment' | 'subscription';
  url: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  success_url: string;
  cancel_url: string;
  payment_intent: string | null;
  subscription: string | null;
  /** Metadata copied to the subscription (`subscription_data[metadata]`). */
  subscription_metadata: Record<string, string>;
  interval: string | null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
}

export interface StripeFake {
  readonly url: string;
  /** The `stripe` client options that point at this fake. */
  readonly clientOptions: { host: string; port: number; protocol: 'http' };
  readonly requests: RecordedRequest[];
  readonly sessions: Map<string, FakeCheckoutSession>;
  webhookUrl: string | undefined;
  /** An event envelope as Stripe sends it (`created` defaults to now). */
  event(type: string, object: Record<string, unknown>, created?: number): StripeEventLike;
  /** Completes a session as a paying customer would; returns the events Stripe would send, in order. */
  pay(sessionId: string): StripeEventLike[];
  /** A renewal invoice paid (`invoice.paid`). */
  renewal(subscriptionId: string): StripeEventLike;
  /** `charge.refunded` for a payment intent. */
  chargeRefunded(paymentIntentId: string, amountRefunded: number, amount: number): StripeEventLike;
  /** `charge.dispute.created` for a payment intent. */
  disputeCreated(paymentIntentId: string, amount: number): StripeEventLike;
  /** `customer.subscription.updated` / `.deleted` with a status. */
  subscriptionEvent(
    subscriptionId: string,
    type: 'customer.subscription.updated' | 'customer.subscription.deleted',
    status: string,
  ): StripeEventLike;
  /** POSTs a signed event to the webhook URL; returns the HTTP status and body. */
  deliver(event: StripeEventLike, options?: { header?: string }): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

const API_VERSION = '2026-10-28.endive';

function id(prefix: string): string {
  return `${prefix}_test_${randomBytes(12).toString('hex')}`;
}

/** Parses Stripe's form encoding (`a[b][0][c]=v`) into nested objects and arrays. */
export function parseStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split(/\[|\]\[|\]/).filter((p) => p !== '');
    let node: Record<string, unknown> = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        node[part] = value;
        return;
      }
      const next = parts[i + 1]!;
      node[part] ??= /^\d+$/.test(next) ? [] : {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return root;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
  res.end(JSON.stringify(value));
}

function stripeError(res: ServerResponse, status: number, message: string, type = 'invalid_request_error') {
  send(res, status, { error: { type, message } });
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export async function startStripeFake(options: StripeFakeOptions = {}): Promise<StripeFake> {
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, FakeCheckoutSession>();
  const subscriptions = new Map<
    string,
    {
      id: string;
      metadata: Record<string, string>;
      amount: number;
      currency: string;
      customer: string;
      interval: string;
    }
  >();
  const paymentIntents = new Map<string, number>();
  let base = '';

  const now = () => Math.floor(Date.now() / 1000);
  const event = (type: string, object: Record<string, unknown>, created = now()): StripeEventLike => ({
    id: id('evt'),
    object: 'event',
    type,
    created,
    api_version: API_VERSION,
    livemode: false,
    data: { object },
  });

  const invoicePaid = (subscriptionId: string, type = 'invoice.paid'): StripeEventLike => {
    const sub = subscriptions.get(subscriptionId);
    if (!sub) throw new Error(`no subscription ${subscriptionId}`);
    const start = now();
    const end = start + (sub.interval === 'year' ? 365 : 30) * 86400;
    const intent = id('pi');
    if (type === 'invoice.paid') paymentIntents.set(intent, sub.amount);
    return event(type, {
      id: id('in'),
      object: 'invoice',
      customer: sub.customer,
      status: type === 'invoice.paid' ? 'paid' : 'open',
      amount_paid: type === 'invoice.paid' ? sub.amount : 0,
      amount_due: sub.amount,
      currency: sub.currency,
      billing_reason: 'subscription_cycle',
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: sub.id, metadata: sub.metadata },
      },
      lines: { object: 'list', data: [{ period: { start, end } }] },
      payments: {
        object: 'list',
        data: [{ object: 'invoice_payment', payment: { type: 'payment_intent', payment_intent: intent } }],
      },
    });
  };

  const subscriptionObject = (subscriptionId: string, status: string) => {
    const sub = subscriptions.get(subscriptionId);
    if (!sub) throw new Error(`no subscription ${subscriptionId}`);
    return {
      id: sub.id,
      object: 'subscription',
      customer: sub.customer,
      status,
      metadata: sub.metadata,
      cancel_at_period_end: false,
      ended_at: status === 'canceled' ? now() : null,
      items: { object: 'list', data: [{ current_period_end: now() + 30 * 86400 }] },
    };
  };

  const pay = (sessionId: string): StripeEventLike[] => {
    const session = sessions.get(sessionId);
    if (!session) throw new Error(`no checkout session ${sessionId}`);
    if (session.status !== 'open') throw new Error(`checkout session ${sessionId} is ${session.status}`);
    session.status = 'complete';
    session.payment_status = 'paid';
    const customer = id('cus');
    session.customer = customer;
    if (session.mode === 'payment') {
      session.payment_intent = id('pi');
      paymentIntents.set(session.payment_intent, session.amount_total);
      return [event('checkout.session.completed', { ...session })];
    }
    const subscriptionId = id('sub');
    session.subscription = subscriptionId;
    subscriptions.set(subscriptionId, {
      id: subscriptionId,
      metadata: session.subscription_metadata,
      amount: session.amount_total,
      currency: session.currency,
      customer,
      interval: session.interval ?? 'month',
    });
    return [
      event('checkout.session.completed', { ...session }),
      event('customer.subscription.created', subscriptionObject(subscriptionId, 'active')),
      invoicePaid(subscriptionId),
    ];
  };

  const deliver: StripeFake['deliver'] = async (evt, deliverOptions = {}) => {
    if (!fake.webhookUrl) throw new Error('the Stripe fake has no webhookUrl');
    const payload = JSON.stringify(evt, null, 2);
    const header = deliverOptions.header ?? options.sign?.(payload);
    if (header === undefined) throw new Error('the Stripe fake has no sign function');
    const res = await fetch(fake.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload,
    });
    return { status: res.status, body: await res.text() };
  };

  const createSession = (body: Record<string, unknown>): FakeCheckoutSession => {
    const mode = body.mode === 'subscription' ? 'subscription' : 'payment';
    const items = Array.isArray(body.line_items) ? body.line_items : [];
    let amount = 0;
    let currency = '';
    let interval: string | null = null;
    for (const raw of items) {
      const item = asRecord(raw);
      const price = asRecord(item.price_data);
      const quantity = Number(item.quantity ?? 1);
      amount += Number(price.unit_amount ?? 0) * quantity;
      currency = String(price.currency ?? currency);
      const recurring = asRecord(price.recurring);
      if (recurring.interval) interval = String(recurring.interval);
    }
    const sessionId = id('cs');
    const session: FakeCheckoutSession = {
      id: sessionId,
      object: 'checkout.session',
      mode,
      url: `${base}/checkout/${sessionId}`,
      status: 'open',
      payment_status: 'unpaid',
      amount_total: amount,
      currency,
      client_reference_id: typeof body.client_reference_id === 'string' ? body.client_reference_id : null,
      metadata: asRecord(body.metadata) as Record<string, string>,
      success_url: String(body.success_url ?? ''),
      cancel_url: String(body.cancel_url ?? ''),
      payment_intent: null,
      subscription: null,
      subscription_metadata: asRecord(asRecord(body.subscription_data).metadata) as Record<string, string>,
      interval,
      customer_email: body.customer_email ?? null,
    };
    sessions.set(sessionId, session);
    return session;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = await readBody(req);
      const path = url.pathname;

      // The hosted checkout page a browser is sent to.
      const page = /^\/checkout\/([\w]+)(\/pay)?$/.exec(path);
      if (page) {
        const session = sessions.get(page[1]!);
        if (!session) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('no such checkout session');
          return;
        }
        if (req.method === 'POST' && page[2]) {
          const events = session.status === 'open' ? pay(session.id) : [];
          for (const evt of events) await deliver(evt);
          const target = session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id);
          res.writeHead(303, { location: target }).end();
          return;
        }
        const price = `${(session.amount_total / 100).toFixed(2)} ${session.currency.toUpperCase()}`;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!doctype html><title>Fake Stripe Checkout</title><h1>Fake Stripe Checkout</h1>` +
            `<p data-testid="amount">${escapeHtml(price)}${session.interval ? ` / ${escapeHtml(session.interval)}` : ''}</p>` +
            `<form method="post" action="/checkout/${session.id}/pay"><button type="submit">Pay</button></form>` +
            `<a href="${escapeHtml(session.cancel_url)}">Cancel</a>`,
        );
        return;
      }

      const body = parseStripeForm(raw);
      requests.push({
        method: req.method ?? 'GET',
        path,
        authorization: req.headers.authorization,
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        body,
      });
      if (!/^Bearer sk_(test|live)_\w+$/.test(req.headers.authorization ?? '')) {
        stripeError(res, 401, 'Invalid API Key provided');
        return;
      }

      if (req.method === 'POST' && path === '/v1/checkout/sessions') {
        send(res, 200, createSession(body));
        return;
      }
      const sessionPath = /^\/v1\/checkout\/sessions\/(\w+)$/.exec(path);
      if (req.method === 'GET' && sessionPath) {
        const session = sessions.get(sessionPath[1]!);
        if (session) send(res, 200, session);
        else stripeError(res, 404, `No such checkout.session: '${sessionPath[1]}'`);
        return;
      }
      if (req.method === 'POST' && path === '/v1/refunds') {
        const intent = String(body.payment_intent ?? '');
        const paid = paymentIntents.get(intent);
        if (paid === undefined) {
          stripeError(res, 404, `No such payment_intent: '${intent}'`);
          return;
        }
        const amount = body.amount === undefined ? paid : Number(body.amount);
        if (!(amount > 0 && amount <= paid)) {
          stripeError(res, 400, 'Refund amount is greater than the unrefunded amount');
          return;
        }
        paymentIntents.set(intent, paid - amount);
        send(res, 200, {
          id: id('re'),
          object: 'refund',
          amount,
          payment_intent: intent,
          status: 'succeeded',
        });
        return;
      }
      const subPath = /^\/v1\/subscriptions\/(\w+)$/.exec(path);
      if (req.method === 'DELETE' && subPath) {
        if (!subscriptions.has(subPath[1]!)) {
          stripeError(res, 404, `No such subscription: '${subPath[1]}'`);
          return;
        }
        send(res, 200, subscriptionObject(subPath[1]!, 'canceled'));
        return;
      }
      stripeError(res, 404, `Unrecognized request URL (${req.method}: ${path}).`);
    })().catch((err: unknown) => {
      if (!res.headersSent) stripeError(res, 500, String(err), 'api_error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;

  const fake: StripeFake = {
    url: base,
    clientOptions: { host: '127.0.0.1', port, protocol: 'http' },
    requests,
    sessions,
    webhookUrl: options.webhookUrl,
    event,
    pay,
    renewal: (subscriptionId) => invoicePaid(subscriptionId),
    chargeRefunded: (paymentIntentId, amountRefunded, amount) =>
      event('charge.refunded', {
        id: id('ch'),
        object: 'charge',
        payment_intent: paymentIntentId,
        amount,
        amount_refunded: amountRefunded,
        refunded: amountRefunded >= amount,
      }),
    disputeCreated: (paymentIntentId, amount) =>
      event('charge.dispute.created', {
        id: id('dp'),
        object: 'dispute',
        payment_intent: paymentIntentId,
        charge: id('ch'),
        amount,
        status: 'needs_response',
      }),
    subscriptionEvent: (subscriptionId, type, status) =>
      event(type, subscriptionObject(subscriptionId, status)),
    deliver,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
  return fake;
}
