-- Access tokens carry the user's token generation (claim `gen`). Bumping it ends every access
-- token issued before, at once: sign-out everywhere, a password change, a role change, a ban.
alter table users
  add column token_generation integer not null default 0,
  -- suspended by an admin: sign-in and refresh are refused
  add column banned_at timestamptz;

-- Each API process caches generations for a moment; this drops the cached one everywhere at the
-- commit of a change (a deleted account too).
create function users_tokens_revoked() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    perform pg_notify('user_tokens_revoked', old.id::text);
  else
    perform pg_notify('user_tokens_revoked', new.id::text);
  end if;
  return null;
end
$$;

create trigger users_tokens_revoked after update of token_generation or delete on users
  for each row execute function users_tokens_revoked();
