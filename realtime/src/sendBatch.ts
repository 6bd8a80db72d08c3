import { AppError, type Db, type Queryable } from '@learnlive/common';
import type { ChatMessage } from '@learnlive/contracts';
import type { Outcome } from './GroupCommit.js';
import { MESSAGE_COLUMNS, iso, toMessage, type MessageRow } from './messageRow.js';
import { readStandings, type Standing } from './standings.js';

/**
 * The group-committed send path of the message store: a batch of sends, of one room or
 * several, decided and stored in one transaction. Reads `rt_rooms` and `rt_messages` (the
 * message store's tables) and people's standing through moderation's `readStandings` (standings.ts).
 */

export interface Author {
  userId: string;
  name: string;
  /** Moderators skip slow mode and speak in locked rooms. */
  moderator: boolean;
}

export interface SendInput {
  room: string;
  author: Author;
  text: string;
  replyTo?: string | undefined;
  clientId?: string | undefined;
}

export interface SendResult {
  message: ChatMessage;
  /** A retry of a message already stored (same author and clientId): not broadcast again. */
  duplicate: boolean;
}

interface RoomRow {
  slow_mode_seconds: number;
  locked: boolean;
  last_offset: string;
  last_rev: string;
}

interface Parent {
  room: string;
  reply_to: unknown;
  deleted_at: unknown;
}

/** One person in one room: their standing and slow mode are decided per person and room. */
const person = (room: string, userId: string) => `${room}\n${userId}`;

const LOCK_ROOMS = `select room, slow_mode_seconds, locked, last_offset, last_rev from rt_rooms
  where room = any($1::text[]) order by room for update`;

/**
 * Locks the rooms' rows in room order (no deadlock between nodes; offsets are taken under these
 * locks, in commit order) and reads them; a room's first message creates its row. One statement
 * once the rooms exist.
 */
async function lockRooms(tx: Queryable, rooms: readonly string[]): Promise<Map<string, RoomRow>> {
  const read = async () =>
    new Map(
      (await tx.query<RoomRow & { room: string }>(LOCK_ROOMS, [rooms], { prepare: true })).rows.map((r) => [
        r.room,
        r,
      ]),
    );
  const locked = await read();
  if (locked.size === rooms.length) return locked;
  await tx.query('insert into rt_rooms (room) select unnest($1::text[]) on conflict (room) do nothing', [
    rooms.filter((room) => !locked.has(room)),
  ]);
  return read();
}

/**
 * Slow mode: per person (room and user) in a room with slow mode, the seconds until they may
 * write again (null: never wrote). No statement when no room of the batch has slow mode.
 */
async function readSlowModeWaits(
  tx: Queryable,
  people: ReadonlyArray<{ room: string; userId: string }>,
): Promise<Map<string, number | null>> {
  if (!people.length) return new Map();
  const { rows } = await tx.query<{ room: string; user_id: string; wait_seconds: number | null }>(
    `select p.room, p.user_id,
       (select extract(epoch from (max(x.created_at) + make_interval(secs => r.slow_mode_seconds) - now()))::float8
          from rt_messages x where x.room = p.room and x.user_id = p.user_id) as wait_seconds
     from unnest($1::text[], $2::text[]) as p(room, user_id)
     join rt_rooms r on r.room = p.room`,
    [people.map((p) => p.room), people.map((p) => p.userId)],
    { prepare: true },
  );
  return new Map(rows.map((r) => [person(r.room, r.user_id), r.wait_seconds]));
}

/** Messages already stored under the sends' `clientId`s (retried sends), by person and clientId. */
async function readEarlierSends(
  tx: Queryable,
  sends: readonly SendInput[],
): Promise<Map<string, ChatMessage>> {
  const keyed = sends.filter((s) => s.clientId);
  const earlier = new Map<string, ChatMessage>();
  if (!keyed.length) return earlier;
  const { rows } = await tx.query<MessageRow & { client_id: string }>(
    `select ${MESSAGE_COLUMNS}, client_id from rt_messages
     where (room, user_id, client_id) in (select * from unnest($1::text[], $2::text[], $3::text[]))`,
    [keyed.map((s) => s.room), keyed.map((s) => s.author.userId), keyed.map((s) => s.clientId!)],
    { prepare: true },
  );
  for (const row of rows) earlier.set(`${person(row.room, row.user_id)}\n${row.client_id}`, toMessage(row));
  return earlier;
}

/** The messages the sends reply to, by id (absent: no such message). */
async function readParents(tx: Queryable, sends: readonly SendInput[]): Promise<Map<string, Parent>> {
  const ids = [...new Set(sends.flatMap((s) => (s.replyTo ? [s.replyTo] : [])))];
  const parents = new Map<string, Parent>();
  if (!ids.length) return parents;
  const { rows } = await tx.query<Parent & { id: string }>(
    'select id::text as id, room, reply_to, deleted_at from rt_messages where id = any($1::bigint[])',
    [ids],
    { prepare: true },
  );
  for (const row of rows) parents.set(row.id, row);
  return parents;
}

/** Why one send of a batch is refused, or undefined when it may be stored. */
function refuse(
  send: SendInput,
  room: { slow_mode_seconds: number; locked: boolean },
  standing: Standing | undefined,
  /** Slow mode: seconds until this person may write again (null or undefined: may write). */
  waitSeconds: number | null | undefined,
  /** This person already has a message accepted in this room in this batch. */
  spoke: boolean,
  parents: ReadonlyMap<string, Parent>,
): AppError | undefined {
  if (standing?.banned) return new AppError('forbidden', 'you are banned from this room');
  if (standing?.mutedUntil)
    return new AppError('forbidden', `you are muted until ${iso(standing.mutedUntil)}`);
  if (room.locked && !send.author.moderator)
    return new AppError('forbidden', 'the room is locked: only moderators can write');
  if (!send.author.moderator && room.slow_mode_seconds > 0) {
    const wait = spoke ? room.slow_mode_seconds : (waitSeconds ?? 0);
    if (wait > 0)
      return new AppError('rate_limited', `slow mode: wait ${Math.ceil(wait)} s before your next message`);
  }
  if (send.replyTo) {
    const parent = parents.get(send.replyTo);
    if (!parent || parent.room !== send.room || parent.deleted_at !== null)
      return new AppError('not_found', 'the message you reply to does not exist in this room');
    if (parent.reply_to !== null)
      return new AppError('bad_request', 'replies are one level deep: reply to the thread’s first message');
  }
  return undefined;
}

type Accepted = SendInput & { offset: number; rev: number };

/** Inserts the accepted sends and moves each room's offset and revision past them: one statement. */
async function insertAccepted(
  tx: Queryable,
  accepted: readonly Accepted[],
  taken: ReadonlyMap<string, number>,
): Promise<ChatMessage[]> {
  const { rows } = await tx.query<MessageRow>(
    `with added as (
       insert into rt_messages (room, "offset", rev, user_id, name, text, reply_to, client_id)
       select * from unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                            $7::bigint[], $8::text[])
       returning ${MESSAGE_COLUMNS}
     ), moved as (
       update rt_rooms r set last_offset = r.last_offset + d.n, last_rev = r.last_rev + d.n
       from unnest($9::text[], $10::int[]) as d(room, n) where r.room = d.room
     )
     select * from added`,
    [
      accepted.map((s) => s.room),
      accepted.map((s) => s.offset),
      accepted.map((s) => s.rev),
      accepted.map((s) => s.author.userId),
      accepted.map((s) => s.author.name),
      accepted.map((s) => s.text),
      accepted.map((s) => s.replyTo ?? null),
      accepted.map((s) => s.clientId ?? null),
      [...taken.keys()],
      [...taken.values()],
    ],
    { prepare: true },
  );
  const byOffset = new Map(rows.map((row) => [`${row.room}\n${Number(row.offset)}`, toMessage(row)]));
  return accepted.map((s) => byOffset.get(`${s.room}\n${s.offset}`)!);
}

/**
 * Persists a batch of messages, of one room or several, in one transaction (group commit) and
 * gives each accepted one its room's next offset and revision. Room rows are locked in room
 * order (no deadlock between nodes), so offsets are gapless and in commit order. Each message
 * is checked on its own (ban, mute, lock, slow mode, reply target) and a refused one fails only
 * its own outcome. A repeated `clientId` returns the message stored the first time (a retried
 * send is not a duplicate), also within one batch. Outcomes are in the order of `sends`.
 * Throws when the transaction fails: nothing was stored.
 */
export async function sendBatch(db: Db, sends: readonly SendInput[]): Promise<Array<Outcome<SendResult>>> {
  // The same statements whatever the number of rooms: each round trip waits for this node's
  // event loop, which a large room's fan-out keeps busy, so a batch over many rooms must not
  // cost a few round trips per room.
  const rooms = [...new Set(sends.map((s) => s.room))].sort();
  return db.transaction(async (tx) => {
    const state = await lockRooms(tx, rooms);
    // one send per person and room: their standing is read once
    const people = [
      ...new Map(
        sends.map((s) => [person(s.room, s.author.userId), { room: s.room, userId: s.author.userId }]),
      ).values(),
    ];
    const standings = new Map(
      (await readStandings(tx, people)).map((s) => [person(s.room, s.userId), s] as const),
    );
    const waits = await readSlowModeWaits(
      tx,
      people.filter((p) => state.get(p.room)!.slow_mode_seconds > 0),
    );
    const earlier = await readEarlierSends(tx, sends);
    const parents = await readParents(tx, sends);

    // Decide each send in arrival order; accepted ones are inserted together below, each
    // taking its room's next offset and revision.
    // `accepted`: the index of the row that answers this send (its own, or an earlier twin's)
    const outcomes: Array<Outcome<SendResult> | { accepted: number; duplicate: boolean }> = [];
    const accepted: Accepted[] = [];
    const taken = new Map<string, number>(); // room → offsets taken in this batch
    const inBatch = new Map<string, number>(); // room\nuserId\nclientId → index in `accepted`
    const spoke = new Set<string>(); // slow mode: one message per person per room per batch
    for (const send of sends) {
      const who = person(send.room, send.author.userId);
      const key = send.clientId ? `${who}\n${send.clientId}` : undefined;
      const stored = key && earlier.get(key);
      if (stored) {
        outcomes.push({ ok: true, value: { message: stored, duplicate: true } });
        continue;
      }
      const twin = key ? inBatch.get(key) : undefined;
      if (twin !== undefined) {
        outcomes.push({ accepted: twin, duplicate: true }); // the same message as an earlier one of this batch
        continue;
      }
      const room = state.get(send.room)!;
      const refusal = refuse(send, room, standings.get(who), waits.get(who), spoke.has(who), parents);
      if (refusal) {
        outcomes.push({ ok: false, error: refusal });
        continue;
      }
      spoke.add(who);
      if (key) inBatch.set(key, accepted.length);
      outcomes.push({ accepted: accepted.length, duplicate: false });
      const n = (taken.get(send.room) ?? 0) + 1;
      taken.set(send.room, n);
      accepted.push({ ...send, offset: Number(room.last_offset) + n, rev: Number(room.last_rev) + n });
    }
    if (!accepted.length) return outcomes as Array<Outcome<SendResult>>;

    const messages = await insertAccepted(tx, accepted, taken);
    return outcomes.map((o) =>
      'accepted' in o
        ? { ok: true as const, value: { message: messages[o.accepted]!, duplicate: o.duplicate } }
        : o,
    );
  });
}
