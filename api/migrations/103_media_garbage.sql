-- Object storage prefixes that must go, recorded in the same transaction that stops referencing
-- them: publishing a re-upload's ladder records the ladder it replaced. The publishing
-- transcoder removes the files and then the record right away; if it dies (or storage fails) in
-- between, the transcoder's sweeper removes them later. Lessons deleted outright use
-- lesson_media_tombstones instead (a lesson uploaded anew keeps its files there).
create table media_garbage (
  -- never the whole bucket, never a lesson's whole folder by mistake: always under a lesson
  prefix text primary key check (prefix like 'lessons/_%/_%/'),
  created_at timestamptz not null default now()
);
