-- Learners the instructor invited to speak in a live class (room role `speaker`).
create table live_class_speakers (
  live_class_id uuid not null references live_classes (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (live_class_id, user_id)
);
