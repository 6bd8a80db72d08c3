/**
 * A load-generator process for bench/realtime.ts: opens socket.io connections (WebSocket only,
 * speaking the engine.io/socket.io wire protocol directly: socket.io-client costs tens of
 * microseconds per received frame, which made the clients, not the server, the limit), joins
 * rooms with room tokens it signs itself, and counts deliveries and their latency.
 *
 * Two kinds of connection, both counting every chat frame they receive:
 * - latency probes (every `sampleEvery`th connection of each room, see {@link isProbe}): `ws`,
 *   every frame decoded, the send time read from the message text;
 * - sinks (the others): bench/realtime/sink.ts, which after the handshake only walks frame
 *   headers. Decoding 100,000 frames a second in JavaScript took most of a core, and the
 *   latencies then measured the starved load generators rather than the server.
 *
 * The parent drives it over IPC: `open` → `ready`, `start`, `stop` → `report`, `exit`.
 */
import WebSocket from 'ws';
import { signToken } from '@learnlive/common';
import { Sink, type Tally } from './sink.js';

interface OpenCommand {
  type: 'open';
  urls: string[];
  count: number;
  rooms: string[];
  prefix: string;
  secret: string;
  /** One connection in this many (per room, in join order) is a latency probe; 1: all of them. */
  sampleEvery: number;
  /** Shifts which positions are probes, so load generators sample different ones. */
  sampleOffset: number;
}
type Command = OpenCommand | { type: 'start' } | { type: 'stop' } | { type: 'exit' };

interface Connection {
  close(): void;
}
const connections: Connection[] = [];
const tally: Tally = { counting: false, deliveries: 0 };
/** Connections that ended after they had joined (each one lowers the deliveries). */
let dropped = 0;
let probes = 0;
const SAMPLE = 20_000;
let seen = 0;
const sample: number[] = [];

/** Per message (its send time, as written in its text): the first and last probe receive here. */
const bursts = new Map<string, [number, number]>();

/** Reservoir sampling keeps a uniform sample of every probe latency of the window. */
function record(latencyMs: number): void {
  seen++;
  if (sample.length < SAMPLE) sample.push(latencyMs);
  else {
    const i = Math.floor(Math.random() * seen);
    if (i < SAMPLE) sample[i] = latencyMs;
  }
}

const now = () => performance.timeOrigin + performance.now();
const CHAT = '42["chat:message"';

/**
 * Connection `i` joins room `i % rooms` at position `i / rooms` of that room (in this process's
 * order): every `sampleEvery`th position of each room is a probe, staggered by room and by
 * process, so probes sit at the head, middle and tail of every room's join order.
 */
const isProbe = (i: number, cmd: OpenCommand) =>
  (Math.floor(i / cmd.rooms.length) + (i % cmd.rooms.length) + cmd.sampleOffset) % cmd.sampleEvery === 0;

/**
 * The socket.io handshake as seen from the client: engine.io open → CONNECT with the access
 * token → `room:join` with the room token → its ack. Returns true once joined.
 */
function handshake(frame: string, send: (text: string) => void, access: string, roomToken: string): boolean {
  if (frame === '2')
    send('3'); // engine.io ping → pong
  else if (frame.startsWith('0')) send(`40${JSON.stringify({ token: access })}`);
  else if (frame.startsWith('40')) send(`420${JSON.stringify(['room:join', { token: roomToken }])}`);
  else if (frame.startsWith('430')) {
    if (frame.startsWith('430[{"ok":true')) return true;
    throw new Error('join refused');
  } else if (frame.startsWith('44')) throw new Error('connect refused');
  else if (frame.startsWith(CHAT) && tally.counting) tally.deliveries++;
  return false;
}

function openProbe(url: string, access: string, roomToken: string): Promise<Connection> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let joined = false;
  return new Promise<Connection>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('join timeout')), 30_000);
    ws.on('error', reject);
    ws.on('close', () => {
      if (joined) dropped++;
      reject(new Error('closed'));
    });
    ws.on('message', (data: Buffer) => {
      const frame = data.toString();
      if (joined && frame.startsWith(CHAT)) {
        if (!tally.counting) return;
        tally.deliveries++;
        const at = frame.indexOf('"text":"') + 8;
        const sentAt = frame.slice(at, frame.indexOf(' ', at));
        const received = now();
        record(received - Number(sentAt));
        const burst = bursts.get(sentAt);
        if (!burst) bursts.set(sentAt, [received, received]);
        else burst[1] = received;
        return;
      }
      try {
        if (handshake(frame, (text) => ws.send(text), access, roomToken) && !joined) {
          joined = true;
          clearTimeout(timer);
          resolve({ close: () => ws.terminate() });
        }
      } catch (err) {
        reject(err as Error);
      }
    });
  }).catch((err: unknown) => {
    ws.terminate();
    throw err;
  });
}

function openSink(url: string, access: string, roomToken: string): Promise<Connection> {
  let joined = false;
  return new Promise<Connection>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('join timeout')), 30_000);
    const sink: Sink = new Sink(
      url,
      tally,
      (frame) => {
        try {
          if (!joined && handshake(frame, (text) => sink.send(text), access, roomToken)) {
            joined = true;
            clearTimeout(timer);
            sink.countOnly();
            resolve({ close: () => sink.close() });
          }
        } catch (err) {
          reject(err as Error);
        }
      },
      (err) => {
        if (joined) dropped++;
        reject(err ?? new Error('closed'));
      },
    );
  });
}

async function open(cmd: OpenCommand): Promise<{ opened: number; failed: number; probes: number }> {
  let failed = 0;
  let next = 0;
  let opened = 0;
  let newProbes = 0;
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
    const url = `${base}/socket.io/?EIO=4&transport=websocket`;
    const probe = isProbe(i, cmd);
    try {
      connections.push(await (probe ? openProbe : openSink)(url, access, roomToken));
      opened++;
      if (probe) newProbes++;
    } catch {
      failed++;
    }
  };
  // a bounded number of handshakes in flight: a thundering herd only measures the backlog
  const workers = Array.from({ length: 100 }, async () => {
    while (next < cmd.count) await one(next++);
  });
  await Promise.all(workers);
  probes += newProbes;
  return { opened, failed, probes: newProbes };
}

process.on('message', (cmd: Command) => {
  const reply = (message: unknown) => process.send?.(message);
  if (cmd.type === 'open') void open(cmd).then((r) => reply({ type: 'ready', ...r }));
  else if (cmd.type === 'start') {
    tally.deliveries = 0;
    seen = 0;
    sample.length = 0;
    bursts.clear();
    tally.counting = true;
    reply({ type: 'started' });
  } else if (cmd.type === 'stop') {
    tally.counting = false;
    reply({
      type: 'report',
      deliveries: tally.deliveries,
      sample,
      dropped,
      probes,
      bursts: Object.fromEntries(bursts),
    });
  } else {
    for (const c of connections) c.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
