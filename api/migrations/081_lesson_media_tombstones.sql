-- Object storage has no foreign keys: when a lesson video row goes (the lesson was deleted and
-- cascaded, or the video was removed), a tombstone tells the transcoder's sweeper to delete the
-- lesson's media (original, ladders, captions).
create table lesson_media_tombstones (
  lesson_id uuid primary key,
  deleted_at timestamptz not null default now()
);

create function lesson_videos_tombstone() returns trigger language plpgsql as $$
begin
  insert into lesson_media_tombstones (lesson_id) values (old.lesson_id) on conflict do nothing;
  return old;
end
$$;

create trigger lesson_videos_tombstone after delete on lesson_videos
  for each row execute function lesson_videos_tombstone();
