-- The catalog reads one row per course: the lesson count is kept on the course by a trigger
-- instead of counted for every course of every page (bench:api: counting cost a third of the
-- query).
alter table courses add column lesson_count integer not null default 0 check (lesson_count >= 0);
update courses c set lesson_count = (select count(*) from lessons l where l.course_id = c.id);

create function lessons_count_upkeep() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    update courses set lesson_count = lesson_count + 1 where id = new.course_id;
    return new;
  end if;
  -- a course being deleted cascades to its lessons: its row is gone, the update touches nothing
  update courses set lesson_count = lesson_count - 1 where id = old.course_id;
  return old;
end
$$;

create trigger lessons_count_upkeep after insert or delete on lessons
  for each row execute function lessons_count_upkeep();

-- Lessons never move between courses (only between modules of one course): refuse it, so the
-- count above stays right.
create function lessons_course_fixed() returns trigger language plpgsql as $$
begin
  raise exception 'a lesson cannot move to another course';
end
$$;

create trigger lessons_course_fixed before update of course_id on lessons
  for each row when (old.course_id is distinct from new.course_id) execute function lessons_course_fixed();

-- Every API process caches catalog pages and drops them on this notification, sent at commit by
-- any change to what a catalog page shows (courses, their lesson counts, instructors' names),
-- whoever made it: another replica, a payment handler, an operator's SQL.
create function catalog_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('catalog_changed', '');
  return null;
end
$$;

create trigger courses_catalog_changed after insert or update or delete or truncate on courses
  for each statement execute function catalog_changed();
create trigger users_catalog_changed after update of display_name or delete on users
  for each statement execute function catalog_changed();
