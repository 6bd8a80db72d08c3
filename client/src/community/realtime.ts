import { io, type Socket } from 'socket.io-client';
import {
  RoomTokenResponseSchema,
  type Ack,
  type RealtimeClientEvent,
  type RealtimeClientToServer,
  type RealtimePayload,
  type RealtimeReplies,
  type RealtimeServerToClient,
} from '@learnlive/contracts';
import { forgetRevocation, rememberRevocation } from '../account/revocation.js';
import { apiFetch, clientConfig, refreshSession } from '../lib/api.js';
import { getSession } from '../lib/session.js';

export type RealtimeSocket = Socket<RealtimeServerToClient, RealtimeClientToServer>;

let shared: Promise<RealtimeSocket> | undefined;

/**
 * One socket to the realtime layer per tab, shared by every panel. The handshake reads the
 * access token each time it connects, so after a refresh a reconnect carries the new one.
 */
export function realtimeSocket(): Promise<RealtimeSocket> {
  return (shared ??= clientConfig().then(({ realtimeUrl }) => {
    // The token the last handshake carried: the one to replace when the server refuses it (the
    // tab may hold a newer one already, got by another tab's refresh; that one is kept).
    let handshakeToken: string | undefined;
    const socket: RealtimeSocket = io(realtimeUrl, {
      transports: ['websocket'],
      auth: (cb) => {
        handshakeToken = getSession()?.accessToken;
        cb({ token: handshakeToken ?? '' });
      },
    });
    const refreshAndReconnect = () =>
      refreshSession(handshakeToken).then(
        () => {
          forgetRevocation(); // still signed in (a role change): nothing to explain
          socket.connect();
        },
        () => undefined, // signed out: the pages show the sign-in prompt, and why
      );
    socket.on('connect_error', (err) => {
      const code = (err as Error & { data?: { code?: string } }).data?.code;
      if (code === 'token_expired') void refreshAndReconnect();
    });
    // The server disconnects a socket whose token expired (`auth:expired`) or was revoked
    // (`auth:revoked`: sign-out everywhere, password or role change, suspension), and socket.io
    // does not reconnect by itself after a server disconnect. A refresh works after a role
    // change (the new token carries the new role); otherwise it fails, the session is cleared
    // and the pages show sign-in with the reason heard here.
    socket.on('auth:revoked', ({ reason }) => rememberRevocation(reason));
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') void refreshAndReconnect();
    });
    return socket;
  }));
}

/** Sends one event and resolves with its ack; a timeout becomes an `unavailable` error. */
export async function request<K extends RealtimeClientEvent>(
  event: K,
  payload: RealtimePayload<K>,
  timeoutMs = 10_000,
): Promise<Ack<RealtimeReplies[K]>> {
  const socket = await realtimeSocket();
  try {
    const emit = socket.timeout(timeoutMs).emitWithAck as unknown as (
      e: string,
      p: unknown,
    ) => Promise<Ack<RealtimeReplies[K]>>;
    return await emit.call(socket.timeout(timeoutMs), event, payload);
  } catch {
    return { ok: false, error: { code: 'unavailable', message: 'The chat server did not answer.' } };
  }
}

/**
 * A room token from the API (`POST /api/rooms/{room}/token`, which checks entitlement). A token
 * stored under `learnlive.roomToken:<room>` in localStorage wins (testing without the API).
 */
export async function fetchRoomToken(room: string): Promise<string> {
  const stored = localStorage.getItem(`learnlive.roomToken:${room}`);
  if (stored) return stored;
  const reply = await apiFetch(`/api/rooms/${encodeURIComponent(room)}/token`, RoomTokenResponseSchema, {
    method: 'POST',
  });
  return reply.token;
}
