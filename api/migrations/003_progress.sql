-- Per learner and lesson: resume position, the merged watched intervals (so replays count once)
-- and their total, and when the lesson was completed.
create table lesson_progress (
  user_id uuid not null references users (id) on delete cascade,
  lesson_id uuid not null references lessons (id) on delete cascade,
  course_id uuid not null references courses (id) on delete cascade,
  position_seconds double precision not null default 0,
  watched_intervals jsonb not null default '[]',
  watched_seconds double precision not null default 0,
  completed_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (user_id, lesson_id)
);
create index lesson_progress_course on lesson_progress (user_id, course_id);
