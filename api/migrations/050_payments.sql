-- Payments with Stripe. Facts from Stripe are stored as they arrive, in any order; access is
-- derived from them, so a refund or a subscription end that arrives first still wins.

-- Every webhook event id, inserted in the same transaction that applies it: a replay finds
-- its id and changes nothing.
create table stripe_events (
  id text primary key,
  type text not null,
  -- Stripe's `created` (seconds): orders updates of the same object.
  created bigint not null,
  received_at timestamptz not null default now()
);

-- Transactions: one row per course purchase and per paid subscription invoice.
create table payments (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  course_id uuid not null references courses (id),
  kind text not null check (kind in ('course', 'subscription')),
  amount integer not null check (amount >= 0),
  currency text not null check (currency ~ '^[a-z]{3}$'),
  refunded_amount integer not null default 0 check (refunded_amount >= 0),
  status text not null default 'pending'
    check (status in ('pending', 'paid', 'failed', 'refunded', 'disputed', 'duplicate')),
  stripe_checkout_session_id text unique,
  stripe_payment_intent_id text unique,
  stripe_invoice_id text unique,
  stripe_subscription_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (refunded_amount <= amount)
);
create index payments_user on payments (user_id, created_at desc);
-- One paid one-time purchase per person and course: a second completed checkout for the
-- same course cannot become `paid` (it is kept as `duplicate` for a refund).
create unique index payments_one_purchase on payments (user_id, course_id)
  where kind = 'course' and status = 'paid';

-- A refund or dispute Stripe told us about before the payment it concerns was completed.
create table stripe_reversals (
  payment_intent_id text not null,
  kind text not null check (kind in ('refund', 'dispute')),
  amount integer not null,
  created_at timestamptz not null default now(),
  primary key (payment_intent_id, kind)
);

create table subscriptions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  course_id uuid not null references courses (id),
  amount integer not null check (amount >= 0),
  currency text not null check (currency ~ '^[a-z]{3}$'),
  stripe_subscription_id text not null unique,
  status text not null default 'incomplete'
    check (status in ('incomplete', 'active', 'past_due', 'canceled')),
  current_period_end timestamptz,
  cancel_at_period_end boolean not null default false,
  -- `created` of the last Stripe event applied to the status: older ones are ignored.
  status_event_created bigint not null default 0,
  ended_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index subscriptions_user on subscriptions (user_id);

-- Checkout Sessions this API opened: lets the success page ask "is it done?" for either mode.
create table checkout_sessions (
  id text primary key,
  user_id uuid not null references users (id),
  course_id uuid not null references courses (id),
  mode text not null check (mode in ('payment', 'subscription')),
  payment_id uuid references payments (id),
  stripe_subscription_id text,
  created_at timestamptz not null default now()
);
