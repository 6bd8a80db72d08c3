import Stripe from 'stripe';
import { AppError } from '@learnlive/common';
import type { ApiConfig } from '../config.js';

/** The Stripe client, or undefined when no secret key is configured (payments answer 503). */
export function createStripeClient(config: ApiConfig['stripe']): Stripe | undefined {
  if (!config.secretKey) return undefined;
  return new Stripe(config.secretKey, {
    host: config.host,
    port: config.port,
    protocol: config.protocol,
    // One retry for network blips; writes carry idempotency keys, so a retry never charges twice.
    maxNetworkRetries: 1,
    timeout: 20_000,
  });
}

export function requireStripe(stripe: Stripe | undefined): Stripe {
  if (!stripe) throw new AppError('unavailable', 'payments are not configured on this server');
  return stripe;
}

/** Stripe's own failures (network, declined key…) as one stable answer; the cause is logged. */
export async function callStripe<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('unavailable', 'the payment provider did not accept the request; try again later', {
      cause: err,
    });
  }
}
