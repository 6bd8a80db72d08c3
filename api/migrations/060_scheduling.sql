-- Live classes and mentor sessions. Instants are timestamptz (UTC on the wire).

create table live_classes (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references courses (id) on delete cascade,
  created_by uuid not null references users (id),
  title text not null,
  starts_at timestamptz not null,
  duration_minutes integer not null check (duration_minutes between 5 and 600),
  canceled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index live_classes_course on live_classes (course_id, starts_at);

create table mentor_slots (
  id uuid primary key default gen_random_uuid(),
  mentor_id uuid not null references users (id) on delete cascade,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  withdrawn_at timestamptz,
  created_at timestamptz not null default now(),
  check (ends_at > starts_at)
);
create index mentor_slots_mentor on mentor_slots (mentor_id, starts_at);

create table mentor_bookings (
  id uuid primary key default gen_random_uuid(),
  slot_id uuid not null references mentor_slots (id),
  mentor_id uuid not null references users (id),
  learner_id uuid not null references users (id),
  status text not null default 'booked' check (status in ('booked', 'canceled', 'rescheduled')),
  canceled_by uuid references users (id),
  cancel_reason text,
  rescheduled_to uuid references mentor_bookings (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (mentor_id <> learner_id)
);
-- No double booking: at most one live booking per slot, enforced by the database, so two
-- learners booking at the same instant cannot both win.
create unique index mentor_bookings_one_per_slot on mentor_bookings (slot_id) where status = 'booked';
create index mentor_bookings_learner on mentor_bookings (learner_id);
create index mentor_bookings_mentor on mentor_bookings (mentor_id);

create table session_feedback (
  booking_id uuid not null references mentor_bookings (id) on delete cascade,
  author_id uuid not null references users (id),
  rating integer not null check (rating between 1 and 5),
  comment text not null default '',
  created_at timestamptz not null default now(),
  primary key (booking_id, author_id)
);
