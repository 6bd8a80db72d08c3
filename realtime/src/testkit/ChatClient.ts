import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ChatMessage,
  JoinReply,
  RealtimeClientEvent,
  RealtimeClientToServer,
  RealtimePayload,
  RealtimeReplies,
  RealtimeServerToClient,
} from '@learnlive/contracts';

export type RealtimeClientSocket = Socket<RealtimeServerToClient, RealtimeClientToServer>;

/**
 * How long a test waits for one answer or event before calling it a hang. Generous on purpose:
 * on a loaded 2-core CI machine an ack took over 5 s; a limit is there to end a hung test with a
 * clear message, never to decide an outcome (tests wait on events, not on a quiet machine).
 */
export const HANG_MS = 30_000;

/** Sends one event and waits for its ack (rejects only on a hang). */
export function request<K extends RealtimeClientEvent>(
  socket: RealtimeClientSocket,
  event: K,
  payload: RealtimePayload<K>,
  timeoutMs = HANG_MS,
): Promise<Ack<RealtimeReplies[K]>> {
  const emit = socket.timeout(timeoutMs).emitWithAck as unknown as (
    event: string,
    payload: unknown,
  ) => Promise<Ack<RealtimeReplies[K]>>;
  return emit.call(socket.timeout(timeoutMs), event, payload);
}

export function connectSocket(
  url: string,
  token: string,
  options: { reconnection?: boolean } = {},
): RealtimeClientSocket {
  return io(url, {
    transports: ['websocket'],
    auth: { token },
    reconnection: options.reconnection ?? false,
    forceNew: true,
  }) as RealtimeClientSocket;
}

/**
 * The next `event` on `socket` (any event name, typed by the caller) for which `matches` holds;
 * rejects after `timeoutMs` (a hang). Call it before what causes the event.
 */
export const nextEvent = <T>(
  socket: RealtimeClientSocket,
  event: string,
  timeoutMs = HANG_MS,
  matches: (payload: T) => boolean = () => true,
) =>
  new Promise<T>((resolve, reject) => {
    const target = socket as unknown as {
      on(e: string, f: (p: T) => void): void;
      off(e: string, f: (p: T) => void): void;
    };
    const listener = (payload: T) => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      target.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      target.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    target.on(event, listener);
  });

export function connected(socket: RealtimeClientSocket, timeoutMs = HANG_MS): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connect timeout')), timeoutMs);
    socket.once('connect', () => (clearTimeout(timer), resolve()));
    socket.once('connect_error', (err) => (clearTimeout(timer), reject(err)));
  });
}

/**
 * A chat client as the browser's is: keeps one timeline per room ordered by offset, drops
 * duplicates, fills gaps from history, applies edits, reactions and deletions, and after losing
 * its node reconnects to the next URL and rejoins each room from its last offset and revision.
 * Counts what arrived twice so tests can see it.
 */
export class ChatClient {
  socket: RealtimeClientSocket;
  readonly timeline = new Map<string, ChatMessage[]>();
  /** Live messages that arrived with an offset the client already had (dropped). */
  duplicatesDropped = 0;
  reconnects = 0;
  private readonly roomTokens = new Map<string, string>();
  private next = 0;
  private closed = false;
  private filling = new Map<string, Promise<void>>();
  /** Per room: every revision up to `upTo` is held; `seen` are those above it (out of order). */
  private readonly revs = new Map<string, { upTo: number; seen: Set<number> }>();
  readonly events: Array<{ event: string; payload: unknown }> = [];

  constructor(
    private readonly urls: string[],
    private readonly token: () => string,
  ) {
    this.socket = this.open();
  }

  get url(): string {
    return this.urls[(this.next - 1 + this.urls.length) % this.urls.length]!;
  }

  private open(): RealtimeClientSocket {
    const url = this.urls[this.next % this.urls.length]!;
    this.next++;
    const socket = connectSocket(url, this.token());
    socket.on('chat:message', (m) => {
      this.noteRev(m.room, m.rev);
      // A fill that close() or a failover cuts short rejects ("socket has been disconnected"):
      // the next message or the rejoin fills the gap again.
      this.receive(m).catch(() => {});
    });
    socket.on('chat:updated', (m) => {
      this.noteRev(m.room, m.rev);
      this.replace(m);
    });
    socket.on('chat:deleted', ({ room, offset, rev }) => {
      this.noteRev(room, rev);
      const held = this.timeline.get(room)?.find((m) => m.offset === offset);
      if (held) this.replace({ ...held, text: '', reactions: {}, deleted: true, rev });
    });
    socket.on('room:sync', ({ room, lastOffset, lastRev }) => {
      const token = this.roomTokens.get(room);
      if (token && (lastOffset > this.lastOffset(room) || lastRev > this.rev(room)))
        void this.join(token, room).catch(() => {});
    });
    socket.onAny((event: string, payload: unknown) => this.events.push({ event, payload }));
    socket.on('disconnect', (reason) => {
      if (this.closed || reason === 'io client disconnect') return;
      void this.failover();
    });
    return socket;
  }

  /** Another node, then every room again from the last offset held. */
  private async failover(): Promise<void> {
    for (let attempt = 0; attempt < 20 && !this.closed; attempt++) {
      this.socket.removeAllListeners();
      this.socket.close();
      this.socket = this.open();
      try {
        // a dead node refuses at once; a live one may be slow to answer on a loaded machine
        await connected(this.socket, 10_000);
        this.reconnects++;
        for (const [room, token] of this.roomTokens) await this.join(token, room);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  lastOffset(room: string): number {
    return this.timeline.get(room)?.at(-1)?.offset ?? 0;
  }

  /** Every revision of `room` up to this one is reflected in the timeline. */
  rev(room: string): number {
    return this.revs.get(room)?.upTo ?? 0;
  }

  private noteRev(room: string, rev: number): void {
    const r = this.revs.get(room);
    if (!r || rev <= r.upTo) return;
    r.seen.add(rev);
    while (r.seen.delete(r.upTo + 1)) r.upTo++;
  }

  /** The current version of a message the timeline holds (an edit, a reaction, a deletion). */
  private replace(m: ChatMessage): void {
    const list = this.timeline.get(m.room);
    const i = list?.findIndex((x) => x.offset === m.offset) ?? -1;
    if (list && i >= 0 && list[i]!.rev <= m.rev) list[i] = m;
  }

  async join(roomToken: string, room?: string): Promise<Ack<JoinReply>> {
    await connected(this.socket);
    const since = room ? this.lastOffset(room) : undefined;
    const reply = await request(this.socket, 'room:join', {
      token: roomToken,
      ...(since !== undefined ? { since, sinceRev: this.rev(room!) } : {}),
    });
    if (reply.ok) {
      const { data } = reply;
      this.roomTokens.set(data.room, roomToken);
      if (!this.timeline.has(data.room)) this.timeline.set(data.room, []);
      for (const m of data.missed) this.append(m);
      for (const m of data.changed) this.replace(m);
      const r = this.revs.get(data.room) ?? { upTo: 0, seen: new Set<number>() };
      this.revs.set(data.room, r);
      if (data.lastRev > r.upTo) {
        r.upTo = data.lastRev;
        for (const seen of r.seen) if (seen <= r.upTo) r.seen.delete(seen);
        while (r.seen.delete(r.upTo + 1)) r.upTo++;
      }
      if (data.truncated) await this.fill(data.room);
      if (data.changesTruncated) return this.join(roomToken, data.room);
    }
    return reply;
  }

  private append(m: ChatMessage): boolean {
    const list = this.timeline.get(m.room) ?? [];
    this.timeline.set(m.room, list);
    const last = list.at(-1)?.offset ?? 0;
    if (m.offset <= last) {
      this.duplicatesDropped++;
      this.replace(m); // the same message, maybe newer (a gap fill reads current versions)
      return true;
    }
    if (m.offset !== last + 1) return false;
    list.push(m);
    return true;
  }

  private async receive(m: ChatMessage): Promise<void> {
    if (!this.append(m)) await this.fill(m.room);
  }

  /** A gap: fetch everything after the last offset held (one fill per room at a time). */
  private fill(room: string): Promise<void> {
    const running = this.filling.get(room);
    if (running) return running.then(() => this.fill(room));
    const job = (async () => {
      for (;;) {
        const page = await request(this.socket, 'chat:history', {
          room,
          after: this.lastOffset(room),
          limit: 100,
        });
        if (!page.ok) return;
        for (const m of page.data.messages) this.append(m);
        if (!page.data.hasMore) return;
      }
    })().finally(() => this.filling.delete(room));
    this.filling.set(room, job);
    return job;
  }

  offsets(room: string): number[] {
    return (this.timeline.get(room) ?? []).map((m) => m.offset);
  }

  close(): void {
    this.closed = true;
    this.socket.removeAllListeners();
    this.socket.close();
  }
}
