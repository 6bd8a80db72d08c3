import { AppError, type Db, type Queryable } from '@learnlive/common';
import type { Outcome } from './GroupCommit.js';
import type {
  AuditEntry,
  ChatMessage,
  ModerationAction,
  ModerationState,
  ReportEntry,
  RoomState,
} from '@learnlive/contracts';

interface MessageRow {
  id: number | string;
  room: string;
  offset: number | string;
  rev: number | string;
  user_id: string;
  name: string;
  text: string;
  reply_to: number | string | null;
  reactions: Record<string, string[]> | string;
  created_at: Date | string;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
}

const MESSAGE_COLUMNS = `id, room, "offset", rev, user_id, name, text, reply_to, reactions, created_at, edited_at, deleted_at`;

const iso = (value: Date | string) => new Date(value).toISOString();

export function toMessage(row: MessageRow): ChatMessage {
  const deleted = row.deleted_at !== null;
  return {
    id: String(row.id),
    room: row.room,
    offset: Number(row.offset),
    rev: Number(row.rev),
    userId: row.user_id,
    name: row.name,
    text: deleted ? '' : row.text,
    replyTo: row.reply_to === null ? null : String(row.reply_to),
    reactions: deleted ? {} : typeof row.reactions === 'string' ? JSON.parse(row.reactions) : row.reactions,
    createdAt: iso(row.created_at),
    editedAt: row.edited_at === null ? null : iso(row.edited_at),
    deleted,
  };
}

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

/** A person's standing in a room when a batch is decided. */
interface Standing {
  muted_until: Date | null;
  banned: boolean;
  /** Slow mode: seconds until this person may write again (null: no slow mode, never wrote). */
  wait_seconds: number | null;
}

interface Parent {
  room: string;
  reply_to: unknown;
  deleted_at: unknown;
}

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

/** Why one send of a batch is refused, or undefined when it may be stored. */
function refuse(
  send: SendInput,
  room: { slow_mode_seconds: number; locked: boolean },
  standing: Standing | undefined,
  /** This person already has a message accepted in this room in this batch. */
  spoke: boolean,
  parents: ReadonlyMap<string, Parent>,
): AppError | undefined {
  if (standing?.banned) return new AppError('forbidden', 'you are banned from this room');
  if (standing?.muted_until)
    return new AppError('forbidden', `you are muted until ${iso(standing.muted_until)}`);
  if (room.locked && !send.author.moderator)
    return new AppError('forbidden', 'the room is locked: only moderators can write');
  if (!send.author.moderator && room.slow_mode_seconds > 0) {
    const wait = spoke ? room.slow_mode_seconds : (standing?.wait_seconds ?? 0);
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

/**
 * Chat and moderation state in PostgreSQL (or PGlite). Every write that clients see goes
 * through here before it is acknowledged or broadcast.
 */
export class ChatStore {
  constructor(private readonly db: Db) {}

  /**
   * Persists a batch of messages, of one room or several, in one transaction (group commit) and
   * gives each accepted one its room's next offset and revision. Room rows are locked in room
   * order (no deadlock between nodes), so offsets are gapless and in commit order. Each message
   * is checked on its own (ban, mute, lock, slow mode, reply target) and a refused one fails only
   * its own outcome. A repeated `clientId` returns the message stored the first time (a retried
   * send is not a duplicate), also within one batch. Outcomes are in the order of `sends`.
   * Throws when the transaction fails: nothing was stored.
   */
  async sendBatch(sends: readonly SendInput[]): Promise<Array<Outcome<SendResult>>> {
    // The same statements whatever the number of rooms: each round trip waits for this node's
    // event loop, which a large room's fan-out keeps busy, so a batch over many rooms must not
    // cost a few round trips per room.
    const rooms = [...new Set(sends.map((s) => s.room))].sort();
    return this.db.transaction(async (tx) => {
      const state = await lockRooms(tx, rooms);
      const person = (room: string, userId: string) => `${room}\n${userId}`;
      // one send per person and room: their standing is read once
      const people = [...new Map(sends.map((s) => [person(s.room, s.author.userId), s])).values()];
      const standing = new Map(
        (
          await tx.query<Standing & { room: string; user_id: string }>(
            `select p.room, p.user_id,
               (select m.until from rt_mutes m where m.room = p.room and m.user_id = p.user_id and m.until > now()) as muted_until,
               exists (select 1 from rt_bans b where b.room = p.room and b.user_id = p.user_id
                       and (b.until is null or b.until > now())) as banned,
               (select extract(epoch from (max(x.created_at) + make_interval(secs => r.slow_mode_seconds) - now()))::float8
                  from rt_messages x where r.slow_mode_seconds > 0 and x.room = p.room and x.user_id = p.user_id) as wait_seconds
             from unnest($1::text[], $2::text[]) as p(room, user_id)
             join rt_rooms r on r.room = p.room`,
            [people.map((s) => s.room), people.map((s) => s.author.userId)],
            { prepare: true },
          )
        ).rows.map((r) => [person(r.room, r.user_id), r]),
      );
      const keyed = sends.filter((s) => s.clientId);
      const earlier = new Map<string, ChatMessage>();
      if (keyed.length) {
        const { rows } = await tx.query<MessageRow & { client_id: string }>(
          `select ${MESSAGE_COLUMNS}, client_id from rt_messages
           where (room, user_id, client_id) in (select * from unnest($1::text[], $2::text[], $3::text[]))`,
          [keyed.map((s) => s.room), keyed.map((s) => s.author.userId), keyed.map((s) => s.clientId!)],
          { prepare: true },
        );
        for (const row of rows)
          earlier.set(`${person(row.room, row.user_id)}\n${row.client_id}`, toMessage(row));
      }
      const parentIds = [...new Set(sends.flatMap((s) => (s.replyTo ? [s.replyTo] : [])))];
      const parents = new Map<string, Parent>();
      if (parentIds.length) {
        const { rows } = await tx.query<Parent & { id: string }>(
          'select id::text as id, room, reply_to, deleted_at from rt_messages where id = any($1::bigint[])',
          [parentIds],
          { prepare: true },
        );
        for (const row of rows) parents.set(row.id, row);
      }

      // Decide each send in arrival order; accepted ones are inserted together below, each
      // taking its room's next offset and revision.
      // `accepted`: the index of the row that answers this send (its own, or an earlier twin's)
      const outcomes: Array<Outcome<SendResult> | { accepted: number; duplicate: boolean }> = [];
      const accepted: Array<SendInput & { offset: number; rev: number }> = [];
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
        const refusal = refuse(send, room, standing.get(who), spoke.has(who), parents);
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

      // one statement: the rows, and each room's offset and revision moved past them
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
      const messages = accepted.map((s) => byOffset.get(`${s.room}\n${s.offset}`)!);
      return outcomes.map((o) =>
        'accepted' in o
          ? { ok: true as const, value: { message: messages[o.accepted]!, duplicate: o.duplicate } }
          : o,
      );
    });
  }

  async get(room: string, id: string, tx: Queryable = this.db): Promise<ChatMessage> {
    const row = (
      await tx.query<MessageRow>(`select ${MESSAGE_COLUMNS} from rt_messages where id = $1 and room = $2`, [
        id,
        room,
      ])
    ).rows[0];
    if (!row) throw new AppError('not_found', 'no such message in this room');
    return toMessage(row);
  }

  async edit(room: string, id: string, userId: string, text: string): Promise<ChatMessage> {
    const changed = await this.change(room, async (tx, rev) => {
      const { rows } = await tx.query<MessageRow>(
        `update rt_messages set text = $3, edited_at = now(), rev = $4
         where id = $1 and room = $2 and user_id = $5 and deleted_at is null
         returning ${MESSAGE_COLUMNS}`,
        [id, room, text, rev, userId],
      );
      return rows[0];
    });
    if (changed) return changed;
    const current = await this.get(room, id);
    if (current.deleted) throw new AppError('not_found', 'the message was deleted');
    throw new AppError('forbidden', 'you can only edit your own messages');
  }

  /**
   * Runs one change of a message under the room row's lock (taken first, the order sends take
   * locks in), so it takes the room's next revision in commit order. `apply` gets that revision
   * and returns the changed row, or undefined when nothing matched: then nothing was written and
   * the revision is not used.
   */
  private async change(
    room: string,
    apply: (tx: Queryable, rev: number) => Promise<MessageRow | undefined>,
  ): Promise<ChatMessage | undefined> {
    return this.db.transaction(async (tx) => {
      const lock = (
        await tx.query<{ last_rev: string }>('select last_rev from rt_rooms where room = $1 for update', [
          room,
        ])
      ).rows[0];
      if (!lock) return undefined;
      const rev = Number(lock.last_rev) + 1;
      const row = await apply(tx, rev);
      if (!row) return undefined;
      await tx.query('update rt_rooms set last_rev = $2 where room = $1', [room, rev]);
      return toMessage(row);
    });
  }

  /** Soft delete: the row keeps its offset (no gap for catch-up), its text is gone for everyone. */
  async delete(room: string, id: string, userId: string, moderator: boolean): Promise<ChatMessage> {
    const changed = await this.change(room, async (tx, rev) => {
      const { rows } = await tx.query<MessageRow>(
        `update rt_messages set deleted_at = now(), text = '', reactions = '{}'::jsonb, rev = $3
         where id = $1 and room = $2 and deleted_at is null and (user_id = $4 or $5)
         returning ${MESSAGE_COLUMNS}`,
        [id, room, rev, userId, moderator],
      );
      return rows[0];
    });
    if (changed) return changed;
    const current = await this.get(room, id);
    if (current.deleted) throw new AppError('not_found', 'the message was already deleted');
    throw new AppError('forbidden', 'you can only delete your own messages');
  }

  async react(room: string, id: string, userId: string, emoji: string, on: boolean): Promise<ChatMessage> {
    const changed = await this.change(room, async (tx, rev) => {
      const row = (
        await tx.query<{ reactions: Record<string, string[]> | string; deleted_at: unknown }>(
          'select reactions, deleted_at from rt_messages where id = $1 and room = $2 for update',
          [id, room],
        )
      ).rows[0];
      if (!row || row.deleted_at !== null) return undefined;
      const reactions: Record<string, string[]> =
        typeof row.reactions === 'string' ? JSON.parse(row.reactions) : { ...row.reactions };
      const users = new Set(reactions[emoji] ?? []);
      if (on) {
        if (!users.has(userId) && Object.keys(reactions).length >= 20 && !reactions[emoji])
          throw new AppError('bad_request', 'too many different reactions on this message');
        users.add(userId);
      } else users.delete(userId);
      if (users.size) reactions[emoji] = [...users];
      else delete reactions[emoji];
      const { rows } = await tx.query<MessageRow>(
        `update rt_messages set reactions = $2::jsonb, rev = $3 where id = $1 returning ${MESSAGE_COLUMNS}`,
        [id, JSON.stringify(reactions), rev],
      );
      return rows[0];
    });
    if (!changed) throw new AppError('not_found', 'no such message in this room');
    return changed;
  }

  /** Newest page (no bounds), older than `before`, or newer than `after`; always ascending. */
  async history(
    room: string,
    options: { before?: number; after?: number; limit: number },
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    const take = options.limit + 1;
    const { rows } =
      options.after !== undefined
        ? await this.db.query<MessageRow>(
            `select ${MESSAGE_COLUMNS} from rt_messages where room = $1 and "offset" > $2 order by "offset" asc limit $3`,
            [room, options.after, take],
          )
        : await this.db.query<MessageRow>(
            `select ${MESSAGE_COLUMNS} from rt_messages where room = $1 and "offset" < $2 order by "offset" desc limit $3`,
            [room, options.before ?? Number.MAX_SAFE_INTEGER, take],
          );
    const hasMore = rows.length > options.limit;
    const page = rows.slice(0, options.limit).map(toMessage);
    if (options.after === undefined) page.reverse();
    return { messages: page, hasMore };
  }

  /**
   * Messages at or before offset `upTo` changed after revision `afterRev`, as they are now, in
   * revision order (catch-up of edits, reactions and deletions).
   */
  async changedSince(
    room: string,
    upTo: number,
    afterRev: number,
    limit: number,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    const { rows } = await this.db.query<MessageRow>(
      `select ${MESSAGE_COLUMNS} from rt_messages where room = $1 and rev > $2 and "offset" <= $3
       order by rev asc limit $4`,
      [room, afterRev, upTo, limit + 1],
    );
    return { messages: rows.slice(0, limit).map(toMessage), hasMore: rows.length > limit };
  }

  async roomState(room: string): Promise<RoomState & { lastOffset: number; lastRev: number }> {
    const row = (
      await this.db.query<{
        last_offset: number;
        last_rev: number;
        slow_mode_seconds: number;
        locked: boolean;
      }>('select last_offset, last_rev, slow_mode_seconds, locked from rt_rooms where room = $1', [room])
    ).rows[0];
    return {
      room,
      lastOffset: Number(row?.last_offset ?? 0),
      lastRev: Number(row?.last_rev ?? 0),
      slowModeSeconds: row?.slow_mode_seconds ?? 0,
      locked: row?.locked ?? false,
    };
  }

  /** The active ban, if any. */
  async ban(room: string, userId: string): Promise<{ until: string | null; reason: string } | undefined> {
    const row = (
      await this.db.query<{ until: Date | null; reason: string }>(
        'select until, reason from rt_bans where room = $1 and user_id = $2 and (until is null or until > now())',
        [room, userId],
      )
    ).rows[0];
    return row && { until: row.until === null ? null : iso(row.until), reason: row.reason };
  }

  // ------------------------------------------------------------ moderation (each writes the audit log)

  async mute(actor: string, room: string, userId: string, seconds: number, reason: string): Promise<string> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ until: Date }>(
        `insert into rt_mutes (room, user_id, until) values ($1, $2, now() + make_interval(secs => $3))
         on conflict (room, user_id) do update set until = excluded.until returning until`,
        [room, userId, seconds],
      );
      await audit(tx, { room, actor, action: 'mute', target: userId, reason, details: { seconds } });
      return iso(rows[0]!.until);
    });
  }

  async unmute(actor: string, room: string, userId: string, reason: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('delete from rt_mutes where room = $1 and user_id = $2', [room, userId]);
      await audit(tx, { room, actor, action: 'unmute', target: userId, reason });
    });
  }

  async addBan(
    actor: string,
    room: string,
    userId: string,
    seconds: number | undefined,
    reason: string,
  ): Promise<string | null> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ until: Date | null }>(
        `insert into rt_bans (room, user_id, until, reason)
         values ($1, $2, case when $3::int is null then null else now() + make_interval(secs => $3::int) end, $4)
         on conflict (room, user_id) do update set until = excluded.until, reason = excluded.reason
         returning until`,
        [room, userId, seconds ?? null, reason],
      );
      await audit(tx, {
        room,
        actor,
        action: 'ban',
        target: userId,
        reason,
        details: { seconds: seconds ?? null },
      });
      const until = rows[0]!.until;
      return until === null ? null : iso(until);
    });
  }

  async unban(actor: string, room: string, userId: string, reason: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('delete from rt_bans where room = $1 and user_id = $2', [room, userId]);
      await audit(tx, { room, actor, action: 'unban', target: userId, reason });
    });
  }

  async setRoom(
    actor: string,
    room: string,
    change: { slowModeSeconds: number } | { locked: boolean },
    reason: string,
  ): Promise<RoomState> {
    return this.db.transaction(async (tx) => {
      await tx.query('insert into rt_rooms (room) values ($1) on conflict (room) do nothing', [room]);
      const { rows } = await tx.query<{ slow_mode_seconds: number; locked: boolean }>(
        'slowModeSeconds' in change
          ? 'update rt_rooms set slow_mode_seconds = $2 where room = $1 returning slow_mode_seconds, locked'
          : 'update rt_rooms set locked = $2 where room = $1 returning slow_mode_seconds, locked',
        [room, 'slowModeSeconds' in change ? change.slowModeSeconds : change.locked],
      );
      const action: ModerationAction =
        'slowModeSeconds' in change ? 'slow_mode' : change.locked ? 'lock' : 'unlock';
      await audit(tx, { room, actor, action, target: null, reason, details: change });
      return { room, slowModeSeconds: rows[0]!.slow_mode_seconds, locked: rows[0]!.locked };
    });
  }

  async auditKick(actor: string, room: string, userId: string, reason: string): Promise<void> {
    await audit(this.db, { room, actor, action: 'kick', target: userId, reason });
  }

  async auditDelete(actor: string, message: ChatMessage, reason: string): Promise<void> {
    await audit(this.db, {
      room: message.room,
      actor,
      action: 'delete',
      target: message.userId,
      reason,
      details: { messageId: message.id, offset: message.offset },
    });
  }

  async moderationState(room: string): Promise<ModerationState> {
    const state = await this.roomState(room);
    const mutes = await this.db.query<{ user_id: string; until: Date }>(
      'select user_id, until from rt_mutes where room = $1 and until > now() order by until',
      [room],
    );
    const bans = await this.db.query<{ user_id: string; until: Date | null; reason: string }>(
      'select user_id, until, reason from rt_bans where room = $1 and (until is null or until > now()) order by user_id',
      [room],
    );
    return {
      room,
      slowModeSeconds: state.slowModeSeconds,
      locked: state.locked,
      mutes: mutes.rows.map((r) => ({ userId: r.user_id, until: iso(r.until) })),
      bans: bans.rows.map((r) => ({
        userId: r.user_id,
        until: r.until === null ? null : iso(r.until),
        reason: r.reason,
      })),
    };
  }

  // ------------------------------------------------------------ reports

  async report(room: string, messageId: string, reporterId: string, reason: string): Promise<string> {
    await this.get(room, messageId);
    const { rows } = await this.db.query<{ id: number }>(
      `insert into rt_reports (room, message_id, reporter_id, reason) values ($1, $2, $3, $4)
       on conflict (message_id, reporter_id) do update set reason = excluded.reason, status = 'open'
       returning id`,
      [room, messageId, reporterId, reason],
    );
    return String(rows[0]!.id);
  }

  /** Reports of the given rooms (undefined: every room, for admins). */
  async reports(
    rooms: readonly string[] | undefined,
    status: ReportEntry['status'],
    limit: number,
  ): Promise<ReportEntry[]> {
    const { rows } = await this.db.query<
      {
        rid: number;
        rroom: string;
        message_id: number;
        reporter_id: string;
        reason: string;
        status: ReportEntry['status'];
        rcreated: Date;
      } & MessageRow
    >(
      `select r.id as rid, r.room as rroom, r.message_id, r.reporter_id, r.reason as reason, r.status, r.created_at as rcreated,
              m.id, m.room, m."offset", m.user_id, m.name, m.text, m.reply_to, m.reactions, m.created_at, m.edited_at, m.deleted_at
       from rt_reports r join rt_messages m on m.id = r.message_id
       where r.status = $1 and ($2::text[] is null or r.room = any($2::text[]))
       order by r.id desc limit $3`,
      [status, rooms ? [...rooms] : null, limit],
    );
    return rows.map((r) => ({
      id: String(r.rid),
      room: r.rroom,
      messageId: String(r.message_id),
      reporterId: r.reporter_id,
      reason: r.reason,
      status: r.status,
      createdAt: iso(r.rcreated),
      message: toMessage(r),
    }));
  }

  async resolveReport(
    actor: string,
    reportId: string,
    status: 'resolved' | 'dismissed',
    reason: string,
    allowedRooms: readonly string[] | undefined,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ room: string; message_id: number }>(
        `update rt_reports set status = $2 where id = $1 and ($3::text[] is null or room = any($3::text[]))
         returning room, message_id`,
        [reportId, status, allowedRooms ? [...allowedRooms] : null],
      );
      if (!rows[0]) throw new AppError('not_found', 'no such report in a room you moderate');
      await audit(tx, {
        room: rows[0].room,
        actor,
        action: 'resolve_report',
        target: null,
        reason,
        details: { reportId, status, messageId: String(rows[0].message_id) },
      });
    });
  }

  async auditLog(query: {
    room?: string;
    actorId?: string;
    targetId?: string;
    before?: string;
    limit: number;
  }): Promise<AuditEntry[]> {
    const { rows } = await this.db.query<{
      id: number;
      room: string;
      actor_id: string;
      action: ModerationAction;
      target_id: string | null;
      reason: string;
      details: Record<string, unknown> | string;
      at: Date;
    }>(
      `select id, room, actor_id, action, target_id, reason, details, at from rt_audit
       where ($1::text is null or room = $1) and ($2::text is null or actor_id = $2)
         and ($3::text is null or target_id = $3) and ($4::bigint is null or id < $4::bigint)
       order by id desc limit $5`,
      [query.room ?? null, query.actorId ?? null, query.targetId ?? null, query.before ?? null, query.limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      room: r.room,
      actorId: r.actor_id,
      action: r.action,
      targetId: r.target_id,
      reason: r.reason,
      details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
      at: iso(r.at),
    }));
  }
}

async function audit(
  db: Queryable,
  entry: {
    room: string;
    actor: string;
    action: ModerationAction;
    target: string | null;
    reason: string;
    details?: object;
  },
): Promise<void> {
  await db.query(
    'insert into rt_audit (room, actor_id, action, target_id, reason, details) values ($1, $2, $3, $4, $5, $6::jsonb)',
    [entry.room, entry.actor, entry.action, entry.target, entry.reason, JSON.stringify(entry.details ?? {})],
  );
}
