import type { ChatMessage } from '@learnlive/contracts';

/** A row of `rt_messages` as node-postgres and PGlite return it (bigints may come as strings). */
export interface MessageRow {
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

export const MESSAGE_COLUMNS = `id, room, "offset", rev, user_id, name, text, reply_to, reactions, created_at, edited_at, deleted_at`;

/** A timestamp as the contracts carry it. */
export const iso = (value: Date | string) => new Date(value).toISOString();

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
