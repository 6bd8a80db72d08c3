import { AppError, type Db, type Queryable } from '@learnlive/common';
import type {
  AuditEntry,
  ChatMessage,
  ModerationAction,
  ModerationState,
  ReportEntry,
  RoomState,
} from '@learnlive/contracts';
import { iso } from './messageRow.js';
import type { MessageStore, RoomSettingsChange } from './MessageStore.js';

/**
 * Moderation in PostgreSQL (or PGlite): mutes, bans, room settings, reports and the audit log.
 * Owns `rt_mutes`, `rt_bans`, `rt_reports` and `rt_audit`; room settings and reported messages
 * are reached through the message store, which owns `rt_rooms` and `rt_messages`. Every action
 * writes the audit log in the same transaction.
 */
export class ModerationStore {
  constructor(
    private readonly db: Db,
    private readonly messages: MessageStore,
  ) {}

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

  /** Slow mode or the lock of a room, audited in the same transaction. */
  async setRoom(actor: string, room: string, change: RoomSettingsChange, reason: string): Promise<RoomState> {
    return this.db.transaction(async (tx) => {
      const state = await this.messages.setRoomSettings(tx, room, change);
      const action: ModerationAction =
        'slowModeSeconds' in change ? 'slow_mode' : change.locked ? 'lock' : 'unlock';
      await audit(tx, { room, actor, action, target: null, reason, details: change });
      return state;
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
    const state = await this.messages.roomState(room);
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

  async report(room: string, messageId: string, reporterId: string, reason: string): Promise<string> {
    await this.messages.get(room, messageId);
    const { rows } = await this.db.query<{ id: number }>(
      `insert into rt_reports (room, message_id, reporter_id, reason) values ($1, $2, $3, $4)
       on conflict (message_id, reporter_id) do update set reason = excluded.reason, status = 'open'
       returning id`,
      [room, messageId, reporterId, reason],
    );
    return String(rows[0]!.id);
  }

  /** Reports of the given rooms (undefined: every room, for admins), with their messages. */
  async reports(
    rooms: readonly string[] | undefined,
    status: ReportEntry['status'],
    limit: number,
  ): Promise<ReportEntry[]> {
    const { rows } = await this.db.query<{
      id: number | string;
      room: string;
      message_id: number | string;
      reporter_id: string;
      reason: string;
      status: ReportEntry['status'];
      created_at: Date;
    }>(
      `select id, room, message_id, reporter_id, reason, status, created_at from rt_reports
       where status = $1 and ($2::text[] is null or room = any($2::text[]))
       order by id desc limit $3`,
      [status, rooms ? [...rooms] : null, limit],
    );
    // rt_reports.message_id references rt_messages: every reported message exists
    const messages = await this.messages.byIds([...new Set(rows.map((r) => String(r.message_id)))]);
    return rows.map((r) => ({
      id: String(r.id),
      room: r.room,
      messageId: String(r.message_id),
      reporterId: r.reporter_id,
      reason: r.reason,
      status: r.status,
      createdAt: iso(r.created_at),
      message: messages.get(String(r.message_id))!,
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
