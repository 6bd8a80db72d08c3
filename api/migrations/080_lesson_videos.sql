-- Recorded lesson videos: one per lesson. The lessons table belongs to the courses feature;
-- deleting a lesson cascades here, and the transcoder notices the deletion by its row
-- disappearing (it checks while it works) and stops its ffmpeg.
create table lesson_videos (
  lesson_id uuid primary key references lessons (id) on delete cascade,
  instructor_id uuid not null,
  status text not null check (status in ('uploading', 'queued', 'processing', 'ready', 'failed')),
  -- The upload this row is about; names the job and the output prefix (see TranscodeJob.version).
  version text not null,
  source_key text,
  source_bytes bigint,
  stage text,
  percent real,
  failure_reason text,
  attempts int not null default 0,
  -- Set only by the publishing step, together with status 'ready': never a partial ladder.
  hls_prefix text,
  duration_seconds double precision,
  renditions jsonb not null default '[]'::jsonb,
  has_poster boolean not null default false,
  has_storyboard boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- WebVTT captions an instructor uploads, one per language.
create table lesson_captions (
  lesson_id uuid not null references lessons (id) on delete cascade,
  language text not null,
  label text not null,
  object_key text not null,
  created_at timestamptz not null default now(),
  primary key (lesson_id, language)
);
