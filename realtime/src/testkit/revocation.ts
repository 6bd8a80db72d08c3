import { expect } from 'vitest';
import type { RealtimePublisher } from '@learnlive/common';
import { userRoom } from '@learnlive/contracts';
import { nextEvent, request, type RealtimeClientSocket } from './ChatClient.js';
import { accessToken } from './nodes.js';

/**
 * What the API does when it revokes `userId`'s tokens, through `publisher`: every one of
 * `cut` (that user's sockets, on any node) is told why and then disconnected by the server;
 * `bystander` (another user's socket) stays connected and answered.
 */
export async function expectUserCut(
  publisher: RealtimePublisher,
  userId: string,
  cut: RealtimeClientSocket[],
  bystander: { socket: RealtimeClientSocket; userId: string },
): Promise<void> {
  const told = cut.map((s) => nextEvent<{ reason: string }>(s, 'auth:revoked'));
  const gone = cut.map((s) => nextEvent<string>(s, 'disconnect'));
  const rooms = [userRoom(userId)];
  publisher.publish(rooms, 'auth:revoked', { reason: 'suspended' });
  publisher.disconnect(rooms);
  expect(await Promise.all(told)).toEqual(cut.map(() => ({ reason: 'suspended' })));
  expect(await Promise.all(gone)).toEqual(cut.map(() => 'io server disconnect'));
  const answered = await request(bystander.socket, 'auth:refresh', { token: accessToken(bystander.userId) });
  expect(answered.ok).toBe(true);
  expect(bystander.socket.connected).toBe(true);
}
