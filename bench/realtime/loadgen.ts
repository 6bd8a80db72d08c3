/**
 * A load-generator process for bench/realtime.ts: opens socket.io connections (WebSocket only,
 * speaking the engine.io/socket.io wire protocol directly over `ws`: socket.io-client costs
 * tens of microseconds per received frame, which made the clients, not the server, the limit),
 * joins rooms with room tokens it signs itself, and counts deliveries and their latency. The
 * parent drives it over IPC: `open` → `ready`, `start`, `stop` → `report`, `exit`.
 */
import WebSocket from 'ws';
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

const sockets: WebSocket[] = [];
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
    const room = cmd.rooms[i % cmd.rooms.length]!;
    const roomToken = signToken(
      { typ: 'room', sub: user, name: user, room, kind: room.split(':')[0] as 'course', role: 'member' },
      cmd.secret,
      3600,
    );
    const base = cmd.urls[i % cmd.urls.length]!.replace(/^http/, 'ws');
    const ws = new WebSocket(`${base}/socket.io/?EIO=4&transport=websocket`);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('join timeout')), 30_000);
        ws.on('error', reject);
        ws.on('message', (data: Buffer) => {
          const frame = data.toString();
          if (frame.startsWith('42["chat:message"')) {
            if (!counting) return;
            deliveries++;
            const at = frame.indexOf('"text":"') + 8;
            record(now() - Number(frame.slice(at, frame.indexOf(' ', at))));
          } else if (frame === '2')
            ws.send('3'); // engine.io ping → pong
          else if (frame.startsWith('0')) ws.send(`40${JSON.stringify({ token: access })}`);
          else if (frame.startsWith('40'))
            ws.send(`420${JSON.stringify(['room:join', { token: roomToken }])}`);
          else if (frame.startsWith('430')) {
            clearTimeout(timer);
            if (frame.startsWith('430[{"ok":true')) resolve();
            else reject(new Error('join refused'));
          } else if (frame.startsWith('44')) reject(new Error('connect refused'));
        });
      });
      sockets.push(ws);
    } catch {
      failed++;
      ws.terminate();
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
    for (const s of sockets) s.terminate();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
