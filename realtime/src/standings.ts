import type { Queryable } from '@learnlive/common';

// Part of moderation (rt_mutes and rt_bans belong to ModerationStore), in a module of its own:
// the send path (sendBatch.ts, used by MessageStore) reads standings, and ModerationStore uses
// MessageStore, so keeping this in ModerationStore.ts made an import cycle.

/** A person's standing in a room when a batch of sends is decided. */
export interface Standing {
  room: string;
  userId: string;
  mutedUntil: Date | null;
  banned: boolean;
}

/**
 * The active mutes and bans of these people (room and user), one statement: the send path
 * (`sendBatch.ts`) reads them inside its transaction.
 */
export async function readStandings(
  tx: Queryable,
  people: ReadonlyArray<{ room: string; userId: string }>,
): Promise<Standing[]> {
  const { rows } = await tx.query<{
    room: string;
    user_id: string;
    muted_until: Date | null;
    banned: boolean;
  }>(
    `select p.room, p.user_id,
       (select m.until from rt_mutes m where m.room = p.room and m.user_id = p.user_id and m.until > now()) as muted_until,
       exists (select 1 from rt_bans b where b.room = p.room and b.user_id = p.user_id
               and (b.until is null or b.until > now())) as banned
     from unnest($1::text[], $2::text[]) as p(room, user_id)`,
    [people.map((p) => p.room), people.map((p) => p.userId)],
    { prepare: true },
  );
  return rows.map((r) => ({ room: r.room, userId: r.user_id, mutedUntil: r.muted_until, banned: r.banned }));
}
