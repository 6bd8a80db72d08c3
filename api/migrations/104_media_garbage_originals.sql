-- A re-upload also supersedes the previous upload's original, an object rather than a folder
-- (lessons/<id>/original/<version>, no trailing '/'), recorded in media_garbage by the API in the
-- transaction that switches the lesson to the new version. The check admits that exact shape and
-- nothing broader: still never the bucket root nor a lesson's whole folder. Upload versions are
-- fixed-length ids (tus: 32 hex digits, recordings: UUIDs), so an original's key is the prefix of
-- no other key.
alter table media_garbage drop constraint media_garbage_prefix_check;
alter table media_garbage add constraint media_garbage_prefix_check
  check (prefix like 'lessons/_%/_%/' or prefix ~ '^lessons/[^/]+/original/[^/]+$');
