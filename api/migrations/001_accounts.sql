-- Accounts: one row per person; roles decide what each may do.
create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  display_name text not null,
  password_hash text not null,
  role text not null default 'learner' check (role in ('learner', 'instructor', 'mentor', 'admin')),
  bio text not null default '',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

-- Refresh tokens: only a SHA-256 of each is kept. Each sign-in starts a family; each refresh
-- uses one token and issues the next in the same family. A used token presented again means
-- it leaked: the whole family is revoked (reuse detection).
create table refresh_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  family_id uuid not null,
  token_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index refresh_tokens_user on refresh_tokens (user_id) where revoked_at is null;
create index refresh_tokens_family on refresh_tokens (family_id);

-- Failed sign-ins per account (lower-cased email, also for unknown ones, so probing an address
-- tells nothing): a temporary lockout after too many failures in a window.
create table sign_in_throttle (
  email text primary key,
  failures int not null default 0,
  window_started_at timestamptz not null default now(),
  locked_until timestamptz
);
