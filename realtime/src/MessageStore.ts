import { AppError, type Db, type Queryable } from '@learnlive/common';
import type { ChatMessage, RoomState } from '@learnlive/contracts';
import type { Outcome } from './GroupCommit.js';
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './messageRow.js';
import { sendBatch, type SendInput, type SendResult } from './sendBatch.js';

export type { Author, SendInput, SendResult } from './sendBatch.js';

/** A room's settings, changed by moderators (`ModerationStore.setRoom`). */
export type RoomSettingsChange = { slowModeSeconds: number } | { locked: boolean };

/**
 * Chat messages in PostgreSQL (or PGlite): sends, edits, reactions, deletions, history and
 * catch-up. Owns `rt_messages` and `rt_rooms` (each room's offset and revision counters, and the
 * settings every send is checked against); nothing else queries them. Every change that clients
 * see goes through here before it is acknowledged or broadcast.
 */
export class MessageStore {
  constructor(private readonly db: Db) {}

  /** One group commit (`sendBatch.ts`): outcomes in the order of `sends`. */
  sendBatch(sends: readonly SendInput[]): Promise<Array<Outcome<SendResult>>> {
    return sendBatch(this.db, sends);
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

  /** The messages with these ids, by id (absent: no such message). */
  async byIds(ids: readonly string[]): Promise<Map<string, ChatMessage>> {
    if (!ids.length) return new Map();
    const { rows } = await this.db.query<MessageRow>(
      `select ${MESSAGE_COLUMNS} from rt_messages where id = any($1::bigint[])`,
      [[...ids]],
    );
    return new Map(rows.map((row) => [String(row.id), toMessage(row)]));
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

  /** Changes a room's settings inside the caller's transaction (which audits it). */
  async setRoomSettings(tx: Queryable, room: string, change: RoomSettingsChange): Promise<RoomState> {
    await tx.query('insert into rt_rooms (room) values ($1) on conflict (room) do nothing', [room]);
    const { rows } = await tx.query<{ slow_mode_seconds: number; locked: boolean }>(
      'slowModeSeconds' in change
        ? 'update rt_rooms set slow_mode_seconds = $2 where room = $1 returning slow_mode_seconds, locked'
        : 'update rt_rooms set locked = $2 where room = $1 returning slow_mode_seconds, locked',
      [room, 'slowModeSeconds' in change ? change.slowModeSeconds : change.locked],
    );
    return { room, slowModeSeconds: rows[0]!.slow_mode_seconds, locked: rows[0]!.locked };
  }
}
