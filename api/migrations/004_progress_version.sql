-- Progress reports update a row without holding a transaction open across round trips: each
-- write is conditional on the version it read (compare-and-set), and retried if another device won.
alter table lesson_progress add column version integer not null default 0;
