-- Courses with modules and lessons (ordered by position), priced in integer minor units.
create table courses (
  id uuid primary key default gen_random_uuid(),
  -- Monotonic: the catalog's stable cursor order (ties impossible, unlike timestamps).
  seq bigint generated always as identity unique,
  instructor_id uuid not null references users (id),
  title text not null,
  summary text not null default '',
  description text not null default '',
  domain text not null default 'general',
  language text not null default 'en',
  pricing text not null default 'free' check (pricing in ('free', 'one_time', 'subscription')),
  price_amount integer not null default 0 check (price_amount >= 0),
  currency text not null default 'usd' check (currency ~ '^[a-z]{3}$'),
  status text not null default 'draft' check (status in ('draft', 'published', 'archived')),
  search tsvector generated always as (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', summary), 'B') ||
    setweight(to_tsvector('english', description), 'C')
  ) stored,
  published_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((pricing = 'free') = (price_amount = 0))
);
create index courses_catalog on courses (seq desc) where status = 'published';
create index courses_search on courses using gin (search);
create index courses_instructor on courses (instructor_id);

create table course_modules (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references courses (id) on delete cascade,
  title text not null,
  position integer not null,
  created_at timestamptz not null default now()
);
create index course_modules_course on course_modules (course_id, position);

create table lessons (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references courses (id) on delete cascade,
  module_id uuid not null references course_modules (id) on delete cascade,
  title text not null,
  kind text not null check (kind in ('video', 'text', 'quiz')),
  position integer not null,
  duration_seconds integer not null default 0 check (duration_seconds >= 0),
  body text,
  video_asset_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index lessons_module on lessons (module_id, position);
create index lessons_course on lessons (course_id);

-- Who may learn what. Free courses: enrolled directly; paid: granted by payments.
-- A revoked enrollment keeps its row (history); re-granting reactivates it.
create table enrollments (
  user_id uuid not null references users (id) on delete cascade,
  course_id uuid not null references courses (id) on delete cascade,
  source text not null check (source in ('free', 'purchase', 'subscription', 'admin')),
  status text not null default 'active' check (status in ('active', 'revoked')),
  enrolled_at timestamptz not null default now(),
  revoked_at timestamptz,
  primary key (user_id, course_id)
);
create index enrollments_course on enrollments (course_id) where status = 'active';
