-- Every change a client sees in a room (a new message, an edit, a reaction, a deletion) gets the
-- room's next revision, under the same room-row lock as offsets, so revisions are gapless and in
-- commit order. A message's `rev` is the revision of its latest change; a reconnecting client
-- sends the last revision it holds and receives every message changed after it.
alter table rt_rooms add column last_rev bigint not null default 0;
alter table rt_messages add column rev bigint;
update rt_messages set rev = "offset";
update rt_rooms set last_rev = last_offset;
alter table rt_messages alter column rev set not null;
create index rt_messages_rev on rt_messages (room, rev);
