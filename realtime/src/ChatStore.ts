import { AppError, type Db, type Queryable } from '@learnlive/common';
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
  user_id: string;
  name: string;
  text: string;
  reply_to: number | string | null;
  reactions: Record<string, string[]> | string;
  created_at: Date | string;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
}

const MESSAGE_COLUMNS = `id, room, "offset", user_id, name, text, reply_to, reactions, created_at, edited_at, deleted_at`;

const iso = (value: Date | string) => new Date(value).toISOString();

export function toMessage(row: MessageRow): ChatMessage {
  const deleted = row.deleted_at !== null;
  return {
    id: String(row.id),
    room: row.room,
    offset: Number(row.offset),
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

/**
 * Chat and moderation state in PostgreSQL (or PGlite). Every write that clients see goes
 * through here before it is acknowledged or broadcast.
 */
export class ChatStore {
  constructor(private readonly db: Db) {}

  /**
   * Persists a message and gives it the room's next offset. The room row is locked for the
   * transaction, so offsets are gapless and in commit order. A repeated `clientId` returns the
   * message stored the first time (a retried send is not a duplicate).
   */
  async send(
    room: string,
    author: Author,
    text: string,
    replyTo: string | undefined,
    clientId: string | undefined,
  ): Promise<{ message: ChatMessage; duplicate: boolean }> {
    return this.db.transaction(async (tx) => {
      await tx.query('insert into rt_rooms (room) values ($1) on conflict (room) do nothing', [room]);
      const state = (
        await tx.query<{
          slow_mode_seconds: number;
          locked: boolean;
          muted_until: Date | null;
          banned: boolean;
          wait_seconds: number | null;
        }>(
          `select r.slow_mode_seconds, r.locked,
             (select m.until from rt_mutes m where m.room = r.room and m.user_id = $2 and m.until > now()) as muted_until,
             exists (select 1 from rt_bans b where b.room = r.room and b.user_id = $2
                     and (b.until is null or b.until > now())) as banned,
             (select extract(epoch from (max(x.created_at) + make_interval(secs => r.slow_mode_seconds) - now()))::float8
                from rt_messages x where x.room = r.room and x.user_id = $2) as wait_seconds
           from rt_rooms r where r.room = $1 for update`,
          [room, author.userId],
        )
      ).rows[0]!;
      if (clientId) {
        const existing = await tx.query<MessageRow>(
          `select ${MESSAGE_COLUMNS} from rt_messages where room = $1 and user_id = $2 and client_id = $3`,
          [room, author.userId, clientId],
        );
        if (existing.rows[0]) return { message: toMessage(existing.rows[0]), duplicate: true };
      }
      if (state.banned) throw new AppError('forbidden', 'you are banned from this room');
      if (state.muted_until) throw new AppError('forbidden', `you are muted until ${iso(state.muted_until)}`);
      if (state.locked && !author.moderator)
        throw new AppError('forbidden', 'the room is locked: only moderators can write');
      if (!author.moderator && state.slow_mode_seconds > 0 && (state.wait_seconds ?? 0) > 0)
        throw new AppError(
          'rate_limited',
          `slow mode: wait ${Math.ceil(state.wait_seconds ?? 0)} s before your next message`,
        );
      if (replyTo) {
        const parent = (
          await tx.query<{ room: string; reply_to: unknown; deleted_at: unknown }>(
            'select room, reply_to, deleted_at from rt_messages where id = $1',
            [replyTo],
          )
        ).rows[0];
        if (!parent || parent.room !== room || parent.deleted_at !== null)
          throw new AppError('not_found', 'the message you reply to does not exist in this room');
        if (parent.reply_to !== null)
          throw new AppError(
            'bad_request',
            'replies are one level deep: reply to the thread’s first message',
          );
      }
      const { rows } = await tx.query<MessageRow>(
        `with next as (update rt_rooms set last_offset = last_offset + 1 where room = $1 returning last_offset)
         insert into rt_messages (room, "offset", user_id, name, text, reply_to, client_id)
         select $1, next.last_offset, $2, $3, $4, $5, $6 from next
         returning ${MESSAGE_COLUMNS}`,
        [room, author.userId, author.name, text, replyTo ?? null, clientId ?? null],
      );
      return { message: toMessage(rows[0]!), duplicate: false };
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
    const { rows } = await this.db.query<MessageRow>(
      `update rt_messages set text = $4, edited_at = now()
       where id = $1 and room = $2 and user_id = $3 and deleted_at is null
       returning ${MESSAGE_COLUMNS}`,
      [id, room, userId, text],
    );
    if (rows[0]) return toMessage(rows[0]);
    const current = await this.get(room, id);
    if (current.deleted) throw new AppError('not_found', 'the message was deleted');
    throw new AppError('forbidden', 'you can only edit your own messages');
  }

  /** Soft delete: the row keeps its offset (no gap for catch-up), its text is gone for everyone. */
  async delete(room: string, id: string, userId: string, moderator: boolean): Promise<ChatMessage> {
    const { rows } = await this.db.query<MessageRow>(
      `update rt_messages set deleted_at = now(), text = '', reactions = '{}'::jsonb
       where id = $1 and room = $2 and deleted_at is null and (user_id = $3 or $4)
       returning ${MESSAGE_COLUMNS}`,
      [id, room, userId, moderator],
    );
    if (rows[0]) return toMessage(rows[0]);
    const current = await this.get(room, id);
    if (current.deleted) throw new AppError('not_found', 'the message was already deleted');
    throw new AppError('forbidden', 'you can only delete your own messages');
  }

  async react(room: string, id: string, userId: string, emoji: string, on: boolean): Promise<ChatMessage> {
    return this.db.transaction(async (tx) => {
      const row = (
        await tx.query<{ reactions: Record<string, string[]> | string; deleted_at: unknown }>(
          'select reactions, deleted_at from rt_messages where id = $1 and room = $2 for update',
          [id, room],
        )
      ).rows[0];
      if (!row || row.deleted_at !== null) throw new AppError('not_found', 'no such message in this room');
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
      await tx.query('update rt_messages set reactions = $2::jsonb where id = $1', [
        id,
        JSON.stringify(reactions),
      ]);
      return this.get(room, id, tx);
    });
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

  async roomState(room: string): Promise<RoomState & { lastOffset: number }> {
    const row = (
      await this.db.query<{ last_offset: number; slow_mode_seconds: number; locked: boolean }>(
        'select last_offset, slow_mode_seconds, locked from rt_rooms where room = $1',
        [room],
      )
    ).rows[0];
    return {
      room,
      lastOffset: Number(row?.last_offset ?? 0),
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
