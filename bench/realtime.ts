/**
 * `npm run bench:realtime`: chat fan-out through the realtime layer on loopback. Realtime nodes
 * run as their own processes (so their CPU and RSS are theirs alone); load generators run in
 * separate child processes (bench/realtime/loadgen.ts). For each engine (uWebSockets.js, and
 * socket.io's default `ws` as the baseline, in the same run) and for 1 node (in-memory adapter)
 * and 3 nodes (Redis adapter): connections stepped up in one room, then the same connections
 * spread over many rooms. Each step offers a fixed delivery rate for a fixed window (the goal,
 * 200,000 deliveries/s; half of it for the latency goal; 300,000/s at the largest step so the
 * node's ceiling is measured rather than the offer) and reports deliveries per second, p50/p99
 * latency (send → receive, across processes), RSS per connection, server CPU per delivered
 * message and the load generators' own CPU.
 *
 * Deliveries are counted on every connection: each chat frame a client received in the window.
 * Latency is sampled: one connection in `--sample-every` (default 20) per room, staggered over
 * each room's join order so the head and the tail of the broadcast are both probed, decodes
 * every frame with `ws` and records send → receive from the time in the message text; the
 * other connections are sinks that only walk frame headers to count (bench/realtime/sink.ts),
 * so the load generators stay cheap enough not to be what is measured. `--sample-every 1`
 * decodes every frame on every connection (the harness before sinks), for comparison.
 * Bounded: it stops by itself in a few minutes. Arguments: `--quick` (smaller steps), `--max N`
 * (largest step), `--nodes N` (only 1 or only 3 nodes), `--engine uWebSockets.js|ws|bare` (one engine
 * only), `--loadgens N` (load-generator processes, 4 by default), `--sample-every N`.
 */
/* eslint-disable no-console -- a benchmark prints its table */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { signToken } from '@learnlive/common';
import {
  TEST_JWT_SECRET,
  createPostgresDatabase,
  freePort,
  startRedis,
  waitFor,
  type TestDatabase,
  type TestRedis,
} from '@learnlive/testing';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const MAX = Number(args[args.indexOf('--max') + 1]) || (QUICK ? 2_000 : 10_000);
const STEPS = (QUICK ? [500, 2_000] : [1_000, 3_000, 10_000]).filter((n) => n <= MAX);
const MANY_ROOMS = 100;
/** Connections of the many-rooms step (fewer than the largest step: handshakes dominate the run time). */
const MANY_ROOMS_CONNECTIONS = QUICK ? 2_000 : 5_000;
const ENGINES: Engine[] = args.includes('--engine')
  ? [args[args.indexOf('--engine') + 1] as Engine]
  : ['uWebSockets.js', 'ws', 'bare'];
if (!ENGINES.every((e) => e === 'uWebSockets.js' || e === 'ws' || e === 'bare'))
  throw new Error('--engine: uWebSockets.js, ws or bare');
const NODE_COUNTS = args.includes('--nodes') ? [Number(args[args.indexOf('--nodes') + 1])] : [1, 3];
/** One connection in this many per room records latency; the others only count deliveries. */
const SAMPLE_EVERY = args.includes('--sample-every') ? Number(args[args.indexOf('--sample-every') + 1]) : 20;
if (!Number.isInteger(SAMPLE_EVERY) || SAMPLE_EVERY < 1)
  throw new Error('--sample-every: a positive integer');
/** Deliveries per second offered (the goal for one node) and the window measured. */
const OFFERED = 200_000;
/** Offered above the goal at the largest step, so the node's ceiling is what limits the row. */
const OFFERED_ABOVE_GOAL = 300_000;
const WINDOW_MS = QUICK ? 3_000 : 4_000;
/**
 * The sender's ceiling. Messages are group-committed (one PostgreSQL transaction per room per
 * batch), so the offered rate, not the commit latency, decides the sends per second.
 */
const MAX_SENDS_PER_SECOND = 5_000;
/** Sends in flight at once (each waits for its ack, which comes after its commit). */
const SEND_LANES = 128;
/** Load-generator processes (`--loadgens N`). */
const LOADGENS = args.includes('--loadgens') ? Number(args[args.indexOf('--loadgens') + 1]) : 4;
if (!Number.isInteger(LOADGENS) || LOADGENS < 1) throw new Error('--loadgens: a positive integer');
const CLK_TCK = 100;

/**
 * Our node on uWebSockets.js, our node on socket.io's default `ws` engine (the baseline the
 * issue names), and `bare`: uWebSockets.js with none of our code (bench/realtime/bareNode.ts,
 * one node only), which shows what this machine and the load generators allow.
 */
type Engine = 'uWebSockets.js' | 'ws' | 'bare';
interface Row {
  engine: Engine;
  nodes: number;
  rooms: number;
  connections: number;
  offeredPerSecond: number;
  /** Messages per second the sender achieved (each committed to PostgreSQL before its ack). */
  sendsPerSecond: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Send → ack at the sender (the commit, then the broadcast queued): p50/p99. */
  ackP50Ms: number;
  ackP99Ms: number;
  /**
   * Per message, across every probe of its room: send → the first probe's receive (p50 over
   * messages) and the last probe's receive minus the first's (the burst's spread, p50/p99).
   */
  firstP50Ms: number;
  spreadP50Ms: number;
  spreadP99Ms: number;
  /** Settled RSS growth since the nodes had no connection, per open connection; null below the noise. */
  rssPerConnectionKB: number | null;
  serverCpuUsPerDelivery: number;
  failedConnections: number;
  /** Connections that ended after they had joined, up to the end of this step (should be 0). */
  droppedConnections: number;
  /** Sends whose ack was an error or never came (should be 0). */
  failedSends: number;
  /** Connections whose latency was recorded (the rest only count deliveries). */
  latencyProbes: number;
  /** CPU of the load-generator processes during the window, in cores. */
  loadgenCores: number;
  /** The machine's 1-minute load average at the end of the step (other work inflates latency). */
  loadAverage: number;
}

let failedSends = 0;
/** Send → ack of each send in the measured window. */
const ackLatencies: number[] = [];
let recordAcks = false;

// ------------------------------------------------------------------ processes

interface NodeProcess {
  url: string;
  child: ChildProcess;
}

async function startNodes(
  engine: Engine,
  count: number,
  db: TestDatabase,
  redis: TestRedis,
): Promise<NodeProcess[]> {
  const nodes: NodeProcess[] = [];
  if (engine === 'bare') {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'bench/realtime/bareNode.ts'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.add(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => /bare listening \d+/.test(output) || child.exitCode !== null, {
      timeoutMs: 60_000,
      what: 'bare node',
    });
    if (child.exitCode !== null) throw new Error(`bare node failed: ${output}`);
    return [{ url: `http://127.0.0.1:${/bare listening (\d+)/.exec(output)![1]}`, child }];
  }
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    let output = '';
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'realtime/src/main.ts'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          REALTIME_PORT: String(port),
          REALTIME_HOST: '127.0.0.1',
          DATABASE_URL: db.url,
          ...(count > 1 ? { REDIS_URL: redis.url } : {}),
          JWT_SECRET: TEST_JWT_SECRET,
          SOCKET_ENGINE: engine,
          LOG_LEVEL: 'info',
          CHAT_RATE_MESSAGES: '1000000',
          SOCKET_EVENTS_PER_SECOND: '1000000',
          MAX_ROOMS_PER_SOCKET: String(MANY_ROOMS),
          // offsets do the catch-up here; recovery would keep every broadcast in memory
          CONNECTION_RECOVERY_MS: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('realtime listening') || child.exitCode !== null, {
      timeoutMs: 60_000,
      what: 'realtime node',
    });
    if (child.exitCode !== null) throw new Error(`node failed: ${output}`);
    if (!output.includes(`"engine":"${engine}"`)) throw new Error(`node did not run ${engine}: ${output}`);
    nodes.push({ url: `http://127.0.0.1:${port}`, child });
    children.add(child);
  }
  return nodes;
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * Growth below this is within what a Node process's RSS moves by itself (GC, allocator): a
 * per-connection figure from it would be noise, negative at small steps.
 */
const RSS_NOISE_BYTES = 8 * 1024 * 1024;

/** Summed RSS of `pids` once it settles: two reads 250 ms apart within 1%, or after 5 s. */
async function settledRss(pids: readonly number[]): Promise<number> {
  const read = () => pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
  let previous = read();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = read();
    if (Math.abs(now - previous) <= previous * 0.01) return now;
    previous = now;
  }
  return previous;
}

interface Loadgen {
  child: ChildProcess;
  ask<T>(message: object, answer: string): Promise<T>;
}

function startLoadgen(): Loadgen {
  const child = fork(fileURLToPath(new URL('./realtime/loadgen.ts', import.meta.url)), [], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  return {
    child,
    ask: <T>(message: object, answer: string) =>
      new Promise<T>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`loadgen exited ${code}`));
        const onMessage = (m: { type: string }) => {
          if (m.type !== answer) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(m as T);
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        child.send(message);
      }),
  };
}

// ------------------------------------------------------------------ one configuration

const now = () => performance.timeOrigin + performance.now();
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

async function connectSender(url: string, rooms: string[]): Promise<Socket> {
  const user = 'bench-sender';
  const socket = io(url, {
    transports: ['websocket'],
    auth: {
      token: signToken({ typ: 'access', sub: user, role: 'admin', name: user }, TEST_JWT_SECRET, 3600),
    },
    forceNew: true,
    // a node still flushing the previous step's backlog (the `ws` engine) answers late
    timeout: 60_000,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  for (const room of rooms) {
    const token = signToken(
      { typ: 'room', sub: user, name: user, room, kind: 'course', role: 'moderator' },
      TEST_JWT_SECRET,
      3600,
    );
    const reply = (await socket.timeout(60_000).emitWithAck('room:join', { token })) as { ok: boolean };
    if (!reply.ok) throw new Error(`sender could not join ${room}`);
  }
  return socket;
}

/**
 * Sends for `ms` in a closed loop (`concurrency` sends in flight, each waits for its ack: the
 * ack comes after the PostgreSQL commit), at most `perSecond`; the text starts with the send
 * time. Returns the sends per second achieved.
 */
async function sendFor(
  sender: Socket,
  rooms: string[],
  perSecond: number,
  ms: number,
  // several sends per room in flight: they share the room's next transaction (group commit)
  concurrency = SEND_LANES,
): Promise<number> {
  const padding = 'x'.repeat(64);
  let sent = 0;
  const started = Date.now();
  const interval = 1000 / perSecond;
  let nextSlot = started;
  // One send slot after another, each lane sleeping until the slot it took: one timer per send
  // (polling every 2 ms in each of 128 lanes woke the sender 64,000 times a second). Lanes
  // that were all busy do not build up a debt to burst later.
  const slot = async (): Promise<boolean> => {
    nextSlot = Math.max(nextSlot, Date.now() - 50);
    const at = nextSlot;
    nextSlot += interval;
    if (at - started >= ms) return false;
    if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
    return true;
  };
  const loop = async (lane: number) => {
    while (await slot()) {
      sent++;
      const room = rooms[(lane + sent) % rooms.length]!;
      const at = now();
      const reply = (await sender
        .timeout(30_000)
        .emitWithAck('chat:send', { room, text: `${at} ${padding}` })
        .catch(() => ({ ok: false }))) as { ok: boolean };
      if (!reply.ok) failedSends++;
      else if (recordAcks) ackLatencies.push(now() - at);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, lane) => loop(lane)));
  return sent / ((Date.now() - started) / 1000);
}

async function runConfiguration(
  engine: Engine,
  nodeCount: number,
  db: TestDatabase,
  redis: TestRedis,
  rows: Row[],
): Promise<void> {
  const nodes = await startNodes(engine, nodeCount, db, redis);
  const loadgens = Array.from({ length: LOADGENS }, startLoadgen);
  const pids = nodes.map((n) => n.child.pid!);
  const urls = nodes.map((n) => n.url);
  try {
    // RSS of the nodes without connections, and with the connections open before any traffic,
    // each once settled (measured in `grow`).
    let baseRss = 0;
    let openRss = 0;
    let open = 0;
    let failed = 0;
    let probes = 0;
    let batch = 0;
    const loadgenCpu = () => loadgens.reduce((s, l) => s + cpuSeconds(l.child.pid!), 0);
    const measure = async (rooms: string[], connections: number, offered: number) => {
      const perRoom = connections / rooms.length;
      const sendsPerSecond = Math.min(MAX_SENDS_PER_SECOND, Math.max(1, Math.round(offered / perRoom)));
      const sender = await connectSender(urls[0]!, rooms);
      try {
        await sendFor(sender, rooms, sendsPerSecond, 500); // warm-up
        await new Promise((r) => setTimeout(r, 300));
        await Promise.all(loadgens.map((l) => l.ask({ type: 'start' }, 'started')));
        const cpu0 = pids.reduce((s, pid) => s + cpuSeconds(pid), 0);
        const loadgenCpu0 = loadgenCpu();
        const t0 = Date.now();
        failedSends = 0;
        ackLatencies.length = 0;
        recordAcks = true;
        const achievedSends = await sendFor(sender, rooms, sendsPerSecond, WINDOW_MS);
        recordAcks = false;
        // Deliveries of what was sent in the window, per second of the window: the 500 ms below
        // only lets the last of them arrive (counting it as time under-reported by a ninth).
        const elapsed = (Date.now() - t0) / 1000;
        const loadgenCores = (loadgenCpu() - loadgenCpu0) / elapsed;
        await new Promise((r) => setTimeout(r, 500));
        const cpu = pids.reduce((s, pid) => s + cpuSeconds(pid), 0) - cpu0;
        const reports = await Promise.all(
          loadgens.map((l) =>
            l.ask<{
              deliveries: number;
              sample: number[];
              dropped: number;
              bursts: Record<string, [number, number]>;
            }>({ type: 'stop' }, 'report'),
          ),
        );
        const deliveries = reports.reduce((s, r) => s + r.deliveries, 0);
        const latencies = reports.flatMap((r) => r.sample).sort((a, b) => a - b);
        const acks = [...ackLatencies].sort((a, b) => a - b);
        // each message's first and last receive over the probes of every load generator
        const bursts = new Map<string, [number, number]>();
        for (const r of reports)
          for (const [sentAt, [first, last]] of Object.entries(r.bursts)) {
            const seen = bursts.get(sentAt);
            bursts.set(sentAt, seen ? [Math.min(seen[0], first), Math.max(seen[1], last)] : [first, last]);
          }
        const firsts = [...bursts].map(([sentAt, [first]]) => first - Number(sentAt)).sort((a, b) => a - b);
        const spreads = [...bursts.values()].map(([first, last]) => last - first).sort((a, b) => a - b);
        const ms = (sorted: number[], p: number) => Number(percentile(sorted, p).toFixed(2));
        const rssGrowth = openRss - baseRss;
        const row: Row = {
          engine,
          nodes: nodeCount,
          rooms: rooms.length,
          connections,
          offeredPerSecond: Math.round(sendsPerSecond * perRoom),
          sendsPerSecond: Number(achievedSends.toFixed(1)),
          deliveriesPerSecond: Math.round(deliveries / elapsed),
          p50Ms: Number(percentile(latencies, 50).toFixed(2)),
          p99Ms: Number(percentile(latencies, 99).toFixed(2)),
          ackP50Ms: ms(acks, 50),
          ackP99Ms: ms(acks, 99),
          firstP50Ms: ms(firsts, 50),
          spreadP50Ms: ms(spreads, 50),
          spreadP99Ms: ms(spreads, 99),
          rssPerConnectionKB:
            rssGrowth < RSS_NOISE_BYTES ? null : Number((rssGrowth / connections / 1024).toFixed(1)),
          serverCpuUsPerDelivery: Number(((cpu / Math.max(1, deliveries)) * 1e6).toFixed(2)),
          failedConnections: failed,
          droppedConnections: reports.reduce((s, r) => s + r.dropped, 0),
          failedSends,
          latencyProbes: probes,
          loadgenCores: Number(loadgenCores.toFixed(2)),
          loadAverage: Number(loadavg()[0]!.toFixed(1)),
        };
        rows.push(row);
        console.log(JSON.stringify(row));
      } finally {
        sender.close();
      }
    };
    const grow = async (target: number, rooms: string[]) => {
      const add = target - open;
      if (add <= 0) return;
      if (open === 0) baseRss = await settledRss(pids);
      const per = Math.ceil(add / LOADGENS);
      batch++;
      const results = await Promise.all(
        loadgens.map((l, i) =>
          l.ask<{ opened: number; failed: number; probes: number }>(
            {
              type: 'open',
              urls,
              count: Math.min(per, add - i * per),
              rooms,
              prefix: `u${batch}-${i}`,
              secret: TEST_JWT_SECRET,
              sampleEvery: SAMPLE_EVERY,
              // each load generator probes other positions of the rooms' join order
              sampleOffset: Math.floor((i * SAMPLE_EVERY) / LOADGENS),
            },
            'ready',
          ),
        ),
      );
      open += results.reduce((s, r) => s + r.opened, 0);
      failed += results.reduce((s, r) => s + r.failed, 0);
      probes += results.reduce((s, r) => s + r.probes, 0);
      openRss = await settledRss(pids);
    };

    // one room, stepped up
    const oneRoom = [`course:bench-${engine[0]}${nodeCount}`];
    for (const step of STEPS) {
      await grow(step, oneRoom);
      await measure(oneRoom, open, OFFERED);
      // at half the offered rate (the latency goal)
      await measure(oneRoom, open, OFFERED / 2);
    }
    // above the goal: the node's ceiling, not the offer, limits this row (last: a node that
    // cannot keep up is left with a backlog that would inflate the next row's latency)
    await measure(oneRoom, open, OFFERED_ABOVE_GOAL);
    // many rooms: the same number of new connections spread over MANY_ROOMS rooms
    for (const l of loadgens) await l.ask({ type: 'exit' }, 'never').catch(() => {});
    const fresh = Array.from({ length: LOADGENS }, startLoadgen);
    loadgens.splice(0, loadgens.length, ...fresh);
    open = 0;
    probes = 0;
    const manyRooms = Array.from(
      { length: MANY_ROOMS },
      (_, i) => `course:many-${engine[0]}${nodeCount}-${i}`,
    );
    await new Promise((r) => setTimeout(r, 500));
    await grow(Math.min(MANY_ROOMS_CONNECTIONS, STEPS.at(-1)!), manyRooms);
    await measure(manyRooms, open, OFFERED);
  } finally {
    for (const l of loadgens) await stopProcess(l.child);
    for (const n of nodes) await stopProcess(n.child);
  }
}

// ------------------------------------------------------------------ main

const children = new Set<ChildProcess>();
const started = Date.now();
const [db, redis] = await Promise.all([createPostgresDatabase(), startRedis()]);
/** Stops everything this run started (nodes, load generators, its Redis and database), exits 1. */
async function abort(): Promise<never> {
  for (const child of children) child.kill('SIGKILL');
  await Promise.race([
    Promise.allSettled([redis.stop(), db.drop()]),
    new Promise((r) => setTimeout(r, 5_000)),
  ]);
  process.exit(1);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void abort());
}
const rows: Row[] = [];
const file = fileURLToPath(
  new URL(`./results/realtime-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url),
);
async function save(): Promise<void> {
  await mkdir(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  const seconds = (Date.now() - started) / 1000;
  await writeFile(
    file,
    JSON.stringify(
      {
        bench: 'realtime',
        quick: QUICK,
        steps: STEPS,
        windowMs: WINDOW_MS,
        latencySampleEvery: SAMPLE_EVERY,
        seconds,
        rows,
      },
      null,
      2,
    ),
  );
}
const deadline = setTimeout(() => {
  console.error('bench:realtime took longer than 15 minutes; stopping');
  void abort();
}, 15 * 60_000);
try {
  for (const nodeCount of NODE_COUNTS) {
    for (const engine of ENGINES) {
      if (engine === 'bare' && nodeCount !== 1) continue; // one process, no cluster
      await runConfiguration(engine, nodeCount, db, redis, rows);
      await save(); // a run cut short still leaves what it measured
    }
  }
} finally {
  await redis.stop();
  await db.drop();
  clearTimeout(deadline);
}

// our figure (uWebSockets.js) beside the baselines (ws; bare uWS) measured in the same run
const table = rows
  .filter((r) => r.engine === 'uWebSockets.js')
  .map((u) => {
    const same = (engine: Engine, nodes: number) =>
      rows.find(
        (r) =>
          r.engine === engine &&
          r.nodes === nodes &&
          r.rooms === u.rooms &&
          r.connections === u.connections &&
          r.offeredPerSecond === u.offeredPerSecond,
      );
    const w = same('ws', u.nodes);
    const bare = same('bare', 1);
    const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : '–');
    return {
      nodes: u.nodes,
      rooms: u.rooms,
      conns: u.connections,
      offered: u.offeredPerSecond,
      'uws sends/s': u.sendsPerSecond,
      'uws deliv/s': u.deliveriesPerSecond,
      'ws deliv/s': w?.deliveriesPerSecond,
      'deliv ratio': ratio(u.deliveriesPerSecond, w?.deliveriesPerSecond),
      'uws p50/p99 ms': `${u.p50Ms}/${u.p99Ms}`,
      'ws p50/p99 ms': w ? `${w.p50Ms}/${w.p99Ms}` : '–',
      'uws ack p50/p99': `${u.ackP50Ms}/${u.ackP99Ms}`,
      'uws first p50, spread p50/p99': `${u.firstP50Ms}, ${u.spreadP50Ms}/${u.spreadP99Ms}`,
      'bare deliv/s, p50/p99 ms': bare ? `${bare.deliveriesPerSecond}, ${bare.p50Ms}/${bare.p99Ms}` : '–',
      'bare first p50, spread p50/p99': bare
        ? `${bare.firstP50Ms}, ${bare.spreadP50Ms}/${bare.spreadP99Ms}`
        : '–',
      'uws KB/conn': u.rssPerConnectionKB ?? '–',
      'ws KB/conn': w?.rssPerConnectionKB ?? '–',
      'uws us/deliv': u.serverCpuUsPerDelivery,
      'ws us/deliv': w?.serverCpuUsPerDelivery,
      'cpu ratio ws/uws': ratio(w?.serverCpuUsPerDelivery ?? 0, u.serverCpuUsPerDelivery),
      'uws/ws loadgen cores': `${u.loadgenCores}/${w?.loadgenCores ?? '–'}`,
      'lat probes': u.latencyProbes,
      failed: u.failedConnections + (w?.failedConnections ?? 0),
      dropped: u.droppedConnections + (w?.droppedConnections ?? 0),
      'failed sends': u.failedSends + (w?.failedSends ?? 0),
    };
  });
console.table(table);
console.log(
  SAMPLE_EVERY === 1
    ? 'latency: every frame on every connection decoded (--sample-every 1); deliveries: all connections'
    : `latency: send → receive on 1 connection in ${SAMPLE_EVERY} per room ("lat probes"), spread over each ` +
        `room's join order, every frame decoded; deliveries: counted on all connections (the others only ` +
        `walk frame headers)`,
);
await save();
console.log(`written ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(0);
