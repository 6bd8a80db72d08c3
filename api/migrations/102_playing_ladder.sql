-- The ladder learners play is the last one published, not the upload in progress: a re-upload
-- keeps the previous ladder (hls_prefix and its metadata, published_version) playable until the
-- new one is published, and is removed only then.
alter table lesson_videos add column published_version text;
update lesson_videos set published_version = version where hls_prefix is not null;
