/**
 * `npm run bench:media`: worker CPU per consumer through our SFU (signalling, rooms, roles)
 * beside a bare mediasoup script (direct mediasoup calls, no signalling server, no rooms)
 * fed the same simulcast stream, in the same run; and join → first decoded frame.
 *
 * Publisher: the real live page in Chromium (fake camera, three VP8 simulcast layers, and the
 * fake microphone). Subscribers: @roamhq/wrtc bots (real libwebrtc, decoding the lowest layer)
 * in separate processes, stepped up. The bare worker gets the publisher's producers with
 * `pipeToRouter`. Requires a built client (`npm run build -w client`).
 *
 * Join → first frame runs from before the socket connects (ours) or the first request (bare) to
 * the first decoded frame libwebrtc hands to a sink on the track. A breakdown table follows:
 * each step of the join from the bots' marks and the workers' trace events (first RTP and key
 * frame sent to the consumer; key frame requests to, and key frames from, the publisher). Key
 * frame requests from both paths reach the same publisher producer (the bare router's are pipe
 * producers of ours), so what our producer does with them (`keyFrameRequestDelay`) holds for both.
 *
 * BENCH_MEDIA_STEPS (default "6,12,24"): subscribers per step, all joining at once;
 * BENCH_MEDIA_SEQUENTIAL (10): then that many joining one after the other; BENCH_MEDIA_MEASURE_MS (8000).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { availableParallelism, cpus } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { createLogger, signToken } from '@learnlive/common';
import type { MediaRequest, RoomRole } from '@learnlive/contracts';
import { MEDIA_CODECS, loadMediaConfig, startMedia } from '@learnlive/media';
import { launchChromium } from '@learnlive/testing';
import type { BotCommand, BotMessage, JoinMarks } from './media/bot.js';

/* eslint-disable no-console -- a benchmark prints its table */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'client/dist');
const BOT = join(ROOT, 'bench/media/bot.ts');
// Benchmarks are programs: they read their knobs here, like a service's config module.
const env = process.env;
const STEPS = (env.BENCH_MEDIA_STEPS ?? '6,12,24').split(',').map(Number);
const MEASURE_MS = Number(env.BENCH_MEDIA_MEASURE_MS ?? 8000);
const SETTLE_MS = 3000;
const BOTS_PER_PROCESS = 6;
/** Subscribers joining one after the other at the end: join latency without a burst. */
const SEQUENTIAL = Number(env.BENCH_MEDIA_SEQUENTIAL ?? 10);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

/** Percent of one core a worker used over `ms`. */
async function workerCpu(worker: types.Worker, ms: number): Promise<number> {
  const usage = async () => {
    const u = await worker.getResourceUsage();
    return u.ru_utime + u.ru_stime;
  };
  const before = await usage();
  const t0 = performance.now();
  await sleep(ms);
  const after = await usage();
  return ((after - before) / (performance.now() - t0)) * 100;
}

/** Serves the built client and answers /api/config with the media service's URL. */
async function serveClient(mediaUrl: string): Promise<Server & { url: string }> {
  const types: Record<string, string> = {
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.html': 'text/html',
    '.map': 'application/json',
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/api/config') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiUrl: '/api', realtimeUrl: '', mediaUrl, engines: {} }));
      return;
    }
    const file = join(DIST, path);
    const target =
      file.startsWith(DIST) && extname(file) && existsSync(file) ? file : join(DIST, 'index.html');
    readFile(target).then(
      (body) =>
        res
          .writeHead(200, { 'content-type': types[extname(target)] ?? 'application/octet-stream' })
          .end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return Object.assign(server, { url: `http://127.0.0.1:${address.port}` });
}

/** The bare baseline: direct mediasoup calls on its own worker, answering bots over IPC. */
class BareSfu {
  private readonly transports = new Map<string, types.WebRtcTransport>();
  private readonly consumers = new Map<string, types.Consumer>();
  private readonly capabilities = new Map<string, types.RtpCapabilities>();
  constructor(
    readonly router: types.Router,
    private readonly producers: types.Producer[],
  ) {}

  async handle(subscriber: string, name: string, data: unknown): Promise<unknown> {
    const handlers: Record<string, (d: never) => Promise<unknown>> = {
      join: async () => ({
        routerRtpCapabilities: this.router.rtpCapabilities,
        producers: this.producers.map((p) => ({ producerId: p.id, kind: p.kind })),
      }),
      setRtpCapabilities: async (d: MediaRequest<'setRtpCapabilities'>) => {
        this.capabilities.set(subscriber, d.rtpCapabilities as types.RtpCapabilities);
        return {};
      },
      createTransport: async () => {
        const t = await this.router.createWebRtcTransport({
          listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }],
        });
        this.transports.set(t.id, t);
        return {
          id: t.id,
          iceParameters: t.iceParameters,
          iceCandidates: t.iceCandidates,
          dtlsParameters: t.dtlsParameters,
        };
      },
      connectTransport: async (d: MediaRequest<'connectTransport'>) => {
        await this.transports
          .get(d.transportId)!
          .connect({ dtlsParameters: d.dtlsParameters as types.DtlsParameters });
        return {};
      },
      consume: async (d: MediaRequest<'consume'>) => {
        const consumer = await this.transports.get(d.transportId)!.consume({
          producerId: d.producerId,
          rtpCapabilities: this.capabilities.get(subscriber)!,
          paused: true,
          preferredLayers: { spatialLayer: 0 },
        });
        this.consumers.set(consumer.id, consumer);
        return {
          consumerId: consumer.id,
          producerId: d.producerId,
          kind: consumer.kind,
          rtpParameters: consumer.rtpParameters,
        };
      },
      resumeConsumer: async (d: MediaRequest<'resumeConsumer'>) => {
        await this.consumers.get(d.consumerId)!.resume();
        return {};
      },
    };
    const handler = handlers[name];
    if (!handler) throw new Error(`bare: no ${name}`);
    return handler(data as never);
  }

  closeAll(): void {
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
    this.consumers.clear();
    this.capabilities.clear();
  }
}

/**
 * Server-side times (wall clock, `Date.now()` when the worker's trace event reached us) around a
 * consumer's first frame: from the consumer's trace (`rtp`, `keyframe`: sent to the subscriber)
 * and the publisher's video producer's trace (`pli`/`fir` sent to Chromium, `keyframe` from it).
 */
class KeyFrameTrace {
  private readonly consumers = new Map<string, { rtp?: number; keyFrame?: number }>();
  /** Times the publisher was asked for a key frame, and times a key frame arrived from it. */
  private readonly publisherRequests: number[] = [];
  private readonly publisherKeyFrames: number[] = [];

  watchProducer(producer: types.Producer): void {
    if (producer.kind !== 'video') return;
    void producer.enableTraceEvent(['keyframe', 'pli', 'fir']);
    producer.on('trace', (trace) => {
      if (trace.type === 'keyframe') this.publisherKeyFrames.push(Date.now());
      else if (trace.direction === 'out') this.publisherRequests.push(Date.now());
    });
  }

  /** Traces every video consumer created on `router` (until its first key frame). */
  watchRouter(router: types.Router): void {
    router.observer.on('newtransport', (transport) =>
      transport.observer.on('newconsumer', (consumer) => {
        if (consumer.kind !== 'video' || consumer.type === 'pipe') return;
        const times: { rtp?: number; keyFrame?: number } = {};
        this.consumers.set(consumer.id, times);
        void consumer.enableTraceEvent(['rtp', 'keyframe']);
        consumer.on('trace', (trace) => {
          if (trace.type === 'rtp') times.rtp ??= Date.now();
          if (trace.type === 'keyframe') {
            times.keyFrame ??= Date.now();
            void consumer.enableTraceEvent([]).catch(() => undefined);
          }
        });
      }),
    );
  }

  /** Adds the server-side marks of `consumerId` to a bot's marks (after it resumed). */
  marks(consumerId: string, bot: JoinMarks): Record<string, number | undefined> {
    const times = this.consumers.get(consumerId) ?? {};
    const after = (list: number[]) => list.find((t) => bot.consumed !== undefined && t >= bot.consumed);
    return {
      ...bot,
      sfuFirstRtp: times.rtp,
      publisherAsked: after(this.publisherRequests),
      publisherKeyFrame: after(this.publisherKeyFrames),
      sfuKeyFrame: times.keyFrame,
    };
  }
}

/** The breakdown's rows: each step's time since `start`, in the order a join goes through them. */
const BREAKDOWN: Array<[string, string]> = [
  ['connected', 'socket connected (ours)'],
  ['joined', 'join answered'],
  ['transport', 'recv transport created'],
  ['dtlsParams', 'client DTLS parameters ready'],
  ['transportConnected', 'connectTransport answered'],
  ['consumed', 'last consumer created (client)'],
  ['resumed', 'last consumer resumed'],
  ['iceConnected', 'ICE connected'],
  ['dtlsConnected', 'DTLS connected'],
  ['sfuFirstRtp', 'SFU sends first video RTP'],
  ['publisherAsked', 'SFU asks the publisher for a key frame (first PLI/FIR after the consume)'],
  ['publisherKeyFrame', 'publisher key frame reaches the SFU (first after the consume)'],
  ['sfuKeyFrame', 'SFU sends the key frame'],
  ['rtp', 'bot: first video packet, may be BWE padding (getStats, polled every 20 ms)'],
  ['keyFrame', 'bot: key frame decoded (getStats, polled every 20 ms)'],
  ['frame', 'bot: first decoded frame (sink)'],
];

function printBreakdown(results: StepResult[]): void {
  const columns = results.map((r) => `${r.mode} ${r.sequential ? '1by1' : 'burst'} ${r.subscribers}`);
  console.log(
    `\njoin breakdown: ms since the join started (ours: before the socket connects), p50 / p99 of each step; ` +
      `a step some joins did not see (no own PLI: a key frame was already on its way) is left out of its column`,
  );
  console.log(`| step | ${columns.join(' | ')} |`);
  console.log(`|---|${columns.map(() => '---').join('|')}|`);
  for (const [key, label] of BREAKDOWN) {
    const cells = results.map((r) => {
      const values = r.marks
        .map((m) => (m[key] !== undefined && m.start !== undefined ? m[key]! - m.start : undefined))
        .filter((v): v is number => v !== undefined);
      return values.length === 0
        ? '-'
        : `${percentile(values, 50).toFixed(0)} / ${percentile(values, 99).toFixed(0)}`;
    });
    console.log(`| ${label} | ${cells.join(' | ')} |`);
  }
}

interface StepResult {
  mode: 'ours' | 'bare';
  /** Joined one after the other (not part of the CPU fit). */
  sequential: boolean;
  subscribers: number;
  consumers: number;
  joined: number;
  failed: number;
  workerCpuPct: number;
  joinToFirstFrameMs: number[];
  /** Per joined subscriber: wall-clock marks of its join (bot and server side). */
  marks: Array<Record<string, number | undefined>>;
}

async function main() {
  const logger = createLogger({ name: 'bench-media', level: 'warn' });
  const jwtSecret = randomBytes(32).toString('hex');
  const media = await startMedia(
    loadMediaConfig({
      JWT_SECRET: jwtSecret,
      MEDIA_PORT: '0',
      MEDIA_RTC_PORT: '0',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_WORKERS: '1',
      MEDIA_ROOM_CAPACITY: '1000',
      MEDIA_MAX_TRANSPORTS_PER_PEER: '4',
      LOG_LEVEL: 'warn',
    }),
    logger,
  );
  const mediaUrl = `http://127.0.0.1:${media.port}`;
  const web = await serveClient(mediaUrl);
  const bareWorker = await mediasoup.createWorker({ logLevel: 'warn' });
  const browser = await launchChromium();
  const children = new Set<ChildProcess>();
  const results: StepResult[] = [];
  const roomId = randomUUID();
  const room = `live:${roomId}`;
  const token = (role: RoomRole, sub: string) =>
    signToken({ typ: 'room', sub, name: sub, room, kind: 'live', role }, jwtSecret, 3600);

  try {
    // Publisher: the real teacher page.
    const page = await browser.newPage();
    await page.goto(`${web.url}/live/${roomId}?token=${token('teacher', 'teacher')}`);
    await page.getByTestId('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Start camera' }).click();
    await page.getByRole('button', { name: 'Start microphone' }).click();
    let producers: types.Producer[] = [];
    for (let i = 0; i < 200 && producers.length < 2; i++) {
      const [ourRoom] = await media.rooms.list();
      producers = ourRoom ? [...ourRoom.peers.values()].flatMap((p) => [...p.producers.values()]) : [];
      await sleep(100);
    }
    if (producers.length < 2) throw new Error('the publisher page did not publish camera and microphone');
    const [ourRoom] = await media.rooms.list();
    const bareRouter = await bareWorker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const piped: types.Producer[] = [];
    for (const producer of producers) {
      const { pipeProducer } = await ourRoom!.router.pipeToRouter({
        producerId: producer.id,
        router: bareRouter,
      });
      piped.push(pipeProducer!);
    }
    const bare = new BareSfu(bareRouter, piped);
    const trace = new KeyFrameTrace();
    for (const producer of producers) trace.watchProducer(producer);
    trace.watchRouter(bareRouter);
    for (const r of await media.rooms.list()) trace.watchRouter(r.router);
    media.pool.workers[0]!.worker.observer.on('newrouter', (router) => trace.watchRouter(router));
    await sleep(2000);
    const ourWorker = media.pool.workers[0]!.worker;
    const idle = {
      ours: await workerCpu(ourWorker, MEASURE_MS / 2),
      bare: await workerCpu(bareWorker, MEASURE_MS / 2),
    };
    console.log(
      `idle worker CPU with the publisher: ours ${idle.ours.toFixed(2)}%, bare ${idle.bare.toFixed(2)}%`,
    );

    let userSeq = 0;
    const phases = [
      ...STEPS.map((subscribers) => ({ subscribers, sequential: false })),
      ...(SEQUENTIAL > 0 ? [{ subscribers: SEQUENTIAL, sequential: true }] : []),
    ];
    for (const { subscribers, sequential } of phases) {
      for (const mode of ['ours', 'bare'] as const) {
        const joinTimes: number[] = [];
        const marks: StepResult['marks'] = [];
        let failed = 0;
        const perProcess = sequential ? subscribers : BOTS_PER_PROCESS;
        const procs = Math.ceil(subscribers / perProcess);
        const bots: ChildProcess[] = [];
        const done = new Promise<void>((resolve) => {
          const check = () => joinTimes.length + failed >= subscribers && resolve();
          for (let p = 0; p < procs; p++) {
            const count = Math.min(perProcess, subscribers - p * perProcess);
            const child = fork(BOT, [], {
              execArgv: ['--conditions=source', '--import', 'tsx'],
              stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            });
            children.add(child);
            bots.push(child);
            child.on('exit', () => children.delete(child));
            child.on('message', (message: BotMessage) => {
              if (message.type === 'joined') {
                joinTimes.push(message.joinToFirstFrameMs);
                marks.push(trace.marks(message.videoConsumerId, message.marks));
              } else if (message.type === 'failed') {
                failed += 1;
                console.error(`bot failed: ${message.error}`);
              } else if (message.type === 'bare-request') {
                bare.handle(`${p}:${message.subscriber}`, message.name, message.data).then(
                  (data) =>
                    child.send({ type: 'bare-reply', reqId: message.reqId, data } satisfies BotCommand),
                  (err: Error) =>
                    child.send({
                      type: 'bare-reply',
                      reqId: message.reqId,
                      error: err.message,
                    } satisfies BotCommand),
                );
              }
              check();
            });
            const command: BotCommand =
              mode === 'ours'
                ? {
                    type: 'start',
                    mode,
                    url: mediaUrl,
                    tokens: Array.from({ length: count }, () => token('learner', `bot-${++userSeq}`)),
                    sequential,
                  }
                : { type: 'start', mode, count, sequential };
            child.send(command);
          }
        });
        await Promise.race([done, sleep(90_000)]);
        await sleep(SETTLE_MS);
        const cpu = await workerCpu(mode === 'ours' ? ourWorker : bareWorker, MEASURE_MS);
        const result: StepResult = {
          mode,
          sequential,
          subscribers,
          consumers: joinTimes.length * producers.length,
          joined: joinTimes.length,
          failed,
          workerCpuPct: cpu,
          joinToFirstFrameMs: joinTimes,
          marks,
        };
        results.push(result);
        console.log(
          `${mode.padEnd(4)} ${sequential ? 'one by one' : 'at once    '} subscribers ${String(subscribers).padStart(3)} joined ${String(joinTimes.length).padStart(3)} ` +
            `worker CPU ${cpu.toFixed(2)}% join→frame p50 ${percentile(joinTimes, 50).toFixed(0)} ms p99 ${percentile(joinTimes, 99).toFixed(0)} ms`,
        );
        for (const bot of bots) bot.send({ type: 'stop' } satisfies BotCommand);
        await Promise.all(
          bots.map(
            (b) => new Promise((resolve) => (b.exitCode !== null ? resolve(0) : b.once('exit', resolve))),
          ),
        );
        if (mode === 'bare') bare.closeAll();
        await sleep(1500);
      }
    }

    const summary = (['ours', 'bare'] as const).map((mode) => {
      const points: Array<[number, number]> = [
        [0, idle[mode]],
        ...results
          .filter((r) => r.mode === mode && !r.sequential)
          .map((r): [number, number] => [r.consumers, r.workerCpuPct]),
      ];
      const perConsumer = slope(points);
      const joins = results
        .filter((r) => r.mode === mode && !r.sequential)
        .flatMap((r) => r.joinToFirstFrameMs);
      const oneByOne = results
        .filter((r) => r.mode === mode && r.sequential)
        .flatMap((r) => r.joinToFirstFrameMs);
      return {
        mode,
        cpuPctPerConsumer: perConsumer,
        projectedConsumersAt80PctCore: perConsumer > 0 ? Math.floor(80 / perConsumer) : Infinity,
        joinP50Ms: percentile(joins, 50),
        joinP99Ms: percentile(joins, 99),
        joins: joins.length,
        sequentialJoinP50Ms: percentile(oneByOne, 50),
        sequentialJoinP99Ms: percentile(oneByOne, 99),
        sequentialJoins: oneByOne.length,
      };
    });
    printBreakdown(results);
    const [ours, bareSummary] = summary as [(typeof summary)[0], (typeof summary)[0]];
    const ratio = ours.cpuPctPerConsumer / bareSummary.cpuPctPerConsumer;
    console.log(
      '\n| path | worker CPU per consumer (% of a core) | consumers per worker at 80% | join→first frame p50 / p99, at once | one by one |',
    );
    console.log('|---|---|---|---|---|');
    for (const s of summary)
      console.log(
        `| ${s.mode === 'ours' ? 'ours (signalling + rooms)' : 'bare mediasoup script'} | ${s.cpuPctPerConsumer.toFixed(3)} | ${s.projectedConsumersAt80PctCore} | ${s.joinP50Ms.toFixed(0)} / ${s.joinP99Ms.toFixed(0)} ms (n=${s.joins}) | ${s.sequentialJoinP50Ms.toFixed(0)} / ${s.sequentialJoinP99Ms.toFixed(0)} ms (n=${s.sequentialJoins}) |`,
      );
    console.log(
      `\nours / bare CPU per consumer: ${ratio.toFixed(2)} (goal ≤ 1.05); consumers = subscribers × ${producers.length} producers`,
    );
    await mkdir(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, 'bench/results/media.json');
    await writeFile(
      file,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cores: availableParallelism(), cpu: cpus()[0]?.model },
          steps: STEPS,
          measureMs: MEASURE_MS,
          idleCpuPct: idle,
          results,
          summary,
          oursOverBare: ratio,
        },
        null,
        2,
      ),
    );
    console.log(`wrote ${file}`);
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await browser.close();
    bareWorker.close();
    await media.close();
    web.close();
  }
}

await main();
process.exit(0);
