/**
 * A load-generator process for bench/realtime.ts: opens socket.io connections (WebSocket only),
 * joins rooms with room tokens it signs itself, and counts deliveries and their latency. The
 * parent drives it over IPC: `open` → `ready`, `start`, `stop` → `report`, `exit`.
 */
import { io, type Socket } from 'socket.io-client';
import { signToken } from '@learnlive/common';

interface OpenCommand {
  type: 'open';
  urls: string[];
  count: number;
  rooms: string[];
  prefix: string;
  secret: string;
}
type Command = OpenCommand | { type: 'start' } | { type: 'stop' } | { type: 'exit' };

const sockets: Socket[] = [];
const SAMPLE = 20_000;
let counting = false;
let deliveries = 0;
let seen = 0;
const sample: number[] = [];

/** Reservoir sampling keeps a uniform sample of every latency of the window. */
function record(latencyMs: number): void {
  seen++;
  if (sample.length < SAMPLE) sample.push(latencyMs);
  else {
    const i = Math.floor(Math.random() * seen);
    if (i < SAMPLE) sample[i] = latencyMs;
  }
}

const now = () => performance.timeOrigin + performance.now();

async function open(cmd: OpenCommand): Promise<{ opened: number; failed: number }> {
  let failed = 0;
  let next = 0;
  const before = sockets.length;
  const one = async (i: number) => {
    const user = `${cmd.prefix}-${i}`;
    const access = signToken({ typ: 'access', sub: user, role: 'learner', name: user }, cmd.secret, 3600);
    const socket = io(cmd.urls[i % cmd.urls.length]!, {
      transports: ['websocket'],
      auth: { token: access },
      reconnection: false,
      forceNew: true,
    });
    socket.on('chat:message', (m: { text: string }) => {
      if (!counting) return;
      deliveries++;
      const sentAt = Number(m.text.slice(0, m.text.indexOf(' ')));
      record(now() - sentAt);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
        setTimeout(() => reject(new Error('connect timeout')), 30_000);
      });
      const room = cmd.rooms[i % cmd.rooms.length]!;
      const token = signToken(
        { typ: 'room', sub: user, name: user, room, kind: room.split(':')[0] as 'course', role: 'member' },
        cmd.secret,
        3600,
      );
      const reply = (await socket.timeout(30_000).emitWithAck('room:join', { token })) as { ok: boolean };
      if (!reply.ok) throw new Error('join refused');
      sockets.push(socket);
    } catch {
      failed++;
      socket.close();
    }
  };
  // a bounded number of handshakes in flight: a thundering herd only measures the backlog
  const workers = Array.from({ length: 100 }, async () => {
    while (next < cmd.count) await one(next++);
  });
  await Promise.all(workers);
  return { opened: sockets.length - before, failed };
}

process.on('message', (cmd: Command) => {
  const reply = (message: unknown) => process.send?.(message);
  if (cmd.type === 'open') void open(cmd).then((r) => reply({ type: 'ready', ...r }));
  else if (cmd.type === 'start') {
    deliveries = 0;
    seen = 0;
    sample.length = 0;
    counting = true;
    reply({ type: 'started' });
  } else if (cmd.type === 'stop') {
    counting = false;
    reply({ type: 'report', deliveries, sample });
  } else {
    for (const s of sockets) s.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
