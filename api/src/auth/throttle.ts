import { AppError, type Queryable } from '@learnlive/common';

export interface ThrottleOptions {
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
}

/** Refuses sign-ins to an account locked by earlier failures (429 `rate_limited`). */
export async function assertNotLocked(db: Queryable, email: string): Promise<void> {
  const { rows } = await db.query<{ seconds: number }>(
    `select ceil(extract(epoch from locked_until - now()))::int as seconds
       from sign_in_throttle where email = $1 and locked_until > now()`,
    [email],
  );
  if (rows[0]) {
    throw new AppError(
      'rate_limited',
      `too many failed sign-ins: this account is locked for ${rows[0].seconds} more seconds`,
    );
  }
}

/** Counts one failure in the current window; the one that reaches the limit locks the account. */
export async function recordFailure(db: Queryable, email: string, options: ThrottleOptions): Promise<void> {
  await db.query(
    `insert into sign_in_throttle as t (email, failures, window_started_at)
       values ($1, 1, now())
     on conflict (email) do update set
       failures = case when t.window_started_at < now() - $2 * interval '1 millisecond' then 1 else t.failures + 1 end,
       window_started_at = case when t.window_started_at < now() - $2 * interval '1 millisecond' then now() else t.window_started_at end`,
    [email, options.windowMs],
  );
  await db.query(
    `update sign_in_throttle
        set locked_until = now() + $3 * interval '1 millisecond', failures = 0, window_started_at = now()
      where email = $1 and failures >= $2`,
    [email, options.maxFailures, options.lockoutMs],
  );
}

export async function clearFailures(db: Queryable, email: string): Promise<void> {
  await db.query('delete from sign_in_throttle where email = $1', [email]);
}
