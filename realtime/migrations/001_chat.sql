-- Chat, moderation and audit for the realtime layer. Offsets are per room, gapless, assigned
-- under the room row's lock (rt_rooms.last_offset), so readers can detect loss and duplicates.
create table rt_rooms (
  room text primary key,
  last_offset bigint not null default 0,
  slow_mode_seconds int not null default 0,
  locked boolean not null default false
);

create table rt_messages (
  id bigserial primary key,
  room text not null references rt_rooms (room),
  "offset" bigint not null,
  user_id text not null,
  name text not null,
  text text not null,
  reply_to bigint references rt_messages (id),
  reactions jsonb not null default '{}'::jsonb,
  client_id text,
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  deleted_at timestamptz,
  unique (room, "offset")
);
create unique index rt_messages_client_id on rt_messages (room, user_id, client_id) where client_id is not null;
create index rt_messages_user_time on rt_messages (room, user_id, created_at desc);

create table rt_mutes (
  room text not null,
  user_id text not null,
  until timestamptz not null,
  primary key (room, user_id)
);

create table rt_bans (
  room text not null,
  user_id text not null,
  -- null: permanent
  until timestamptz,
  reason text not null default '',
  primary key (room, user_id)
);

create table rt_reports (
  id bigserial primary key,
  room text not null,
  message_id bigint not null references rt_messages (id),
  reporter_id text not null,
  reason text not null,
  status text not null default 'open' check (status in ('open', 'resolved', 'dismissed')),
  created_at timestamptz not null default now(),
  unique (message_id, reporter_id)
);
create index rt_reports_status on rt_reports (status, id desc);

create table rt_audit (
  id bigserial primary key,
  room text not null,
  actor_id text not null,
  action text not null,
  target_id text,
  reason text not null default '',
  details jsonb not null default '{}'::jsonb,
  at timestamptz not null default now()
);
create index rt_audit_room on rt_audit (room, id desc);
