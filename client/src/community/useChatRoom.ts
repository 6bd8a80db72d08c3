import { useCallback, useEffect, useRef, useState } from 'react';
import type { ChatMessage, PresenceUser, RoomRole, RoomState } from '@learnlive/contracts';
import { realtimeSocket, request } from './realtime.js';

export interface ChatRoomState {
  status: 'connecting' | 'joined' | 'error' | 'removed';
  error?: string;
  room?: string;
  role?: RoomRole;
  /** Ordered by offset; deleted ones are dropped from view. */
  messages: ChatMessage[];
  hasOlder: boolean;
  presence: { count: number; users?: PresenceUser[] };
  typing: Array<{ userId: string; name: string }>;
  state?: RoomState;
  notice?: string;
}

const MODERATOR_ROLES: ReadonlySet<RoomRole> = new Set(['moderator', 'teacher', 'mentor']);

/**
 * Joins a room with a token from `getRoomToken` and keeps its timeline: messages ordered by
 * offset without duplicates, gaps filled from history, and after every reconnect a rejoin from
 * the last offset and revision held, so nothing is lost: neither messages nor the edits,
 * reactions and deletions of older ones.
 */
export function useChatRoom(getRoomToken: () => Promise<string>) {
  const [view, setView] = useState<ChatRoomState>({
    status: 'connecting',
    messages: [],
    hasOlder: false,
    presence: { count: 0 },
    typing: [],
  });
  const byOffset = useRef(new Map<number, ChatMessage>());
  const last = useRef(0);
  /** Every revision up to `upTo` is reflected; `seen`: revisions above it that arrived early. */
  const revs = useRef({ upTo: 0, seen: new Set<number>() });
  const roomRef = useRef<string | undefined>(undefined);
  const tokenGetter = useRef(getRoomToken);
  tokenGetter.current = getRoomToken;

  const publish = useCallback(() => {
    const messages = [...byOffset.current.values()]
      .filter((m) => !m.deleted)
      .sort((a, b) => a.offset - b.offset);
    setView((v) => ({ ...v, messages }));
  }, []);

  const noteRev = useCallback((rev: number) => {
    const r = revs.current;
    if (rev <= r.upTo) return;
    r.seen.add(rev);
    while (r.seen.delete(r.upTo + 1)) r.upTo++;
  }, []);

  const add = useCallback((m: ChatMessage) => {
    const held = byOffset.current.get(m.offset);
    if (held && held.rev > m.rev) return; // an older version than the one held
    byOffset.current.set(m.offset, m);
    // `last` is the highest offset up to which the timeline has no gap
    while (byOffset.current.has(last.current + 1)) last.current++;
  }, []);

  const fillAfter = useCallback(
    async (room: string) => {
      for (;;) {
        const page = await request('chat:history', { room, after: last.current, limit: 100 });
        if (!page.ok) return;
        for (const m of page.data.messages) add(m);
        if (!page.data.hasMore) break;
      }
      publish();
    },
    [add, publish],
  );

  useEffect(() => {
    let live = true;
    let cleanup = () => {};
    const join = async () => {
      try {
        const token = await tokenGetter.current();
        const reply = await request('room:join', {
          token,
          ...(roomRef.current ? { since: last.current, sinceRev: revs.current.upTo } : {}),
        });
        if (!live) return;
        if (!reply.ok) {
          setView((v) => ({ ...v, status: 'error', error: reply.error.message }));
          return;
        }
        const { room, role, presence, state, missed, truncated, changed, changesTruncated, lastRev } =
          reply.data;
        const first = !roomRef.current;
        roomRef.current = room;
        for (const m of missed) add(m);
        for (const m of changed) if (byOffset.current.has(m.offset)) add(m);
        const r = revs.current;
        if (lastRev > r.upTo) {
          r.upTo = lastRev;
          for (const seen of r.seen) if (seen <= lastRev) r.seen.delete(seen);
          while (r.seen.delete(r.upTo + 1)) r.upTo++;
        }
        setView((v) => ({ ...v, status: 'joined', error: undefined, room, role, presence, state }));
        if (first) {
          const page = await request('chat:history', { room, limit: 50 });
          if (page.ok) {
            for (const m of page.data.messages) add(m);
            // the newest page defines where the gapless run starts
            last.current = Math.max(last.current, page.data.messages.at(-1)?.offset ?? 0);
            setView((v) => ({ ...v, hasOlder: page.data.hasMore }));
          }
        } else if (truncated) await fillAfter(room);
        publish();
        if (changesTruncated) void join(); // more changes than one reply holds: the rest
      } catch (err) {
        if (live)
          setView((v) => ({
            ...v,
            status: 'error',
            error: err instanceof Error ? err.message : String(err),
          }));
      }
    };
    void realtimeSocket().then((socket) => {
      if (!live) return;
      const mine = (room: string) => room === roomRef.current;
      const onMessage = (m: ChatMessage) => {
        if (!mine(m.room)) return;
        noteRev(m.rev);
        const gap = m.offset > last.current + 1;
        add(m);
        publish();
        if (gap) void fillAfter(m.room);
      };
      const onUpdated = (m: ChatMessage) => {
        if (!mine(m.room)) return;
        noteRev(m.rev);
        if (!byOffset.current.has(m.offset)) return;
        add(m);
        publish();
      };
      const onDeleted = (e: { room: string; id: string; offset: number; rev: number }) => {
        if (!mine(e.room)) return;
        noteRev(e.rev);
        const m = byOffset.current.get(e.offset);
        if (!m) return;
        add({ ...m, deleted: true, text: '', reactions: {}, rev: e.rev });
        publish();
      };
      const onTyping = (e: { room: string; userId: string; name: string }) => {
        if (!mine(e.room)) return;
        setView((v) => ({ ...v, typing: [...v.typing.filter((t) => t.userId !== e.userId), e] }));
        setTimeout(() => setView((v) => ({ ...v, typing: v.typing.filter((t) => t !== e) })), 3_000);
      };
      const onJoined = (e: { room: string; user: PresenceUser; count: number }) =>
        mine(e.room) &&
        setView((v) => ({
          ...v,
          presence: {
            count: e.count,
            users: v.presence.users && [
              ...v.presence.users.filter((u) => u.userId !== e.user.userId),
              e.user,
            ],
          },
        }));
      const onLeft = (e: { room: string; userId: string; count: number }) =>
        mine(e.room) &&
        setView((v) => ({
          ...v,
          presence: { count: e.count, users: v.presence.users?.filter((u) => u.userId !== e.userId) },
        }));
      const onCount = (e: { room: string; count: number }) =>
        mine(e.room) && setView((v) => ({ ...v, presence: { count: e.count } }));
      const onState = (s: RoomState) => mine(s.room) && setView((v) => ({ ...v, state: s }));
      const onRemoved = (e: { room: string; reason: string }) =>
        mine(e.room) &&
        setView((v) => ({ ...v, status: 'removed', error: `You were ${e.reason} from this room.` }));
      const onNotice = (e: { room: string; action: string; until: string | null; reason: string }) =>
        mine(e.room) &&
        setView((v) => ({
          ...v,
          notice: `A moderator applied: ${e.action}${e.until ? ` until ${new Date(e.until).toLocaleString()}` : ''}${e.reason ? ` (${e.reason})` : ''}`,
        }));
      // This node's link to the cluster came back: catch up on what it could not relay.
      const onSync = (e: { room: string; lastOffset: number; lastRev: number }) => {
        if (mine(e.room) && (e.lastOffset > last.current || e.lastRev > revs.current.upTo)) void join();
      };
      const onConnect = () => void join();
      socket.on('chat:message', onMessage);
      socket.on('chat:updated', onUpdated);
      socket.on('chat:deleted', onDeleted);
      socket.on('chat:typing', onTyping);
      socket.on('presence:joined', onJoined);
      socket.on('presence:left', onLeft);
      socket.on('presence:count', onCount);
      socket.on('room:state', onState);
      socket.on('room:removed', onRemoved);
      socket.on('moderation:notice', onNotice);
      socket.on('room:sync', onSync);
      // every (re)connect: join again from the last offset held
      socket.on('connect', onConnect);
      if (socket.connected) void join();
      cleanup = () => {
        socket.off('chat:message', onMessage);
        socket.off('chat:updated', onUpdated);
        socket.off('chat:deleted', onDeleted);
        socket.off('chat:typing', onTyping);
        socket.off('presence:joined', onJoined);
        socket.off('presence:left', onLeft);
        socket.off('presence:count', onCount);
        socket.off('room:state', onState);
        socket.off('room:removed', onRemoved);
        socket.off('moderation:notice', onNotice);
        socket.off('room:sync', onSync);
        socket.off('connect', onConnect);
        if (roomRef.current) void request('room:leave', { room: roomRef.current });
      };
    });
    return () => {
      live = false;
      cleanup();
    };
  }, [add, fillAfter, noteRev, publish]);

  const loadOlder = useCallback(async () => {
    const room = roomRef.current;
    const oldest = [...byOffset.current.keys()].sort((a, b) => a - b)[0];
    if (!room || oldest === undefined) return;
    const page = await request('chat:history', { room, before: oldest, limit: 50 });
    if (!page.ok) return;
    for (const m of page.data.messages) byOffset.current.set(m.offset, m);
    setView((v) => ({ ...v, hasOlder: page.data.hasMore }));
    publish();
  }, [publish]);

  const moderator = view.role !== undefined && MODERATOR_ROLES.has(view.role);
  return { view, loadOlder, moderator };
}
