import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { HANG_MS, connectSocket, connected, request } from './ChatClient.js';
import { accessToken, roomToken } from './nodes.js';

const url = (node: { port: number }) => `http://127.0.0.1:${node.port}`;

/**
 * Resolves once a broadcast from a socket on `from` reaches a socket on every node of `to`, so
 * their Redis subscriptions are live. A node says it listens before Redis has confirmed its
 * subscriptions (the adapter subscribes without waiting), so a test that broadcasts at once may
 * race them; sends are repeated until each node hears one. Throws, naming the deaf nodes, after
 * `HANG_MS`, with what Redis says of the nodes' connections (`CLIENT LIST`: a subscriber's
 * `sub` and `psub` counts).
 */
export async function untilNodesHear(
  from: { port: number },
  to: ReadonlyArray<{ port: number }>,
  redisUrl: string,
): Promise<void> {
  const room = 'course:cluster-probe';
  const sender = connectSocket(url(from), accessToken('probe-sender'));
  const listeners = to.map((node) => connectSocket(url(node), accessToken('probe-listener')));
  const heard = to.map(() => false);
  listeners.forEach((s, i) => s.on('chat:message', () => (heard[i] = true)));
  try {
    for (const [s, user] of [
      [sender, 'probe-sender'] as const,
      ...listeners.map((l) => [l, 'probe-listener'] as const),
    ]) {
      await connected(s);
      const joined = await request(s, 'room:join', { token: roomToken(user, room) });
      if (!joined.ok) throw new Error(`probe join failed: ${joined.error.code} ${joined.error.message}`);
    }
    const deadline = Date.now() + HANG_MS;
    while (!heard.every(Boolean)) {
      if (Date.now() > deadline) {
        const deaf = to.filter((_, i) => !heard[i]).map((n) => n.port);
        throw new Error(
          `realtime nodes on ports ${deaf.join(', ')} heard no broadcast from ${from.port}; ` +
            `Redis clients:\n${await realtimeClients(redisUrl)}`,
        );
      }
      await request(sender, 'chat:send', { room, text: 'probe' });
      await delay(200);
    }
  } finally {
    for (const s of [sender, ...listeners]) s.close();
  }
}

/** The realtime nodes' Redis connections as Redis sees them (name, subscriptions, last command). */
async function realtimeClients(redisUrl: string): Promise<string> {
  const redis = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const list = (await redis.call('client', 'list')) as string;
    return list
      .split('\n')
      .filter((line) => line.includes('name=realtime'))
      .map((line) =>
        line.replace(
          / (fd|age|idle|flags|db|multi|qbuf|qbuf-free|argv-mem|multi-mem|obl|oll|omem|tot-mem|events|user|redir|resp|lib-name|lib-ver|rbs|rbp|ssub|watch|io-thread|tot-net-in|tot-net-out|tot-cmds|laddr|id)=\S*/g,
          '',
        ),
      )
      .join('\n');
  } catch (err) {
    return `(CLIENT LIST failed: ${String(err)})`;
  } finally {
    redis.disconnect();
  }
}
