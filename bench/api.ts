/**
 * `npm run bench:api`: the API's catalog listing and progress updates at a fixed concurrency,
 * against PostgreSQL (its own database on the running server), beside a bare hono route on the
 * same HTTP stack (@hono/node-server) serving the same catalog page as a constant, in the same run.
 * The load generator runs in a child process (its own event loop, heap and GC, so its work is not
 * counted in the server's latencies) with keep-alive connections. The machine's load average is
 * printed with each figure: on a shared machine a figure means little without it.
 *
 * BENCH_API_CONCURRENCY (default 50), BENCH_API_SECONDS (default 8) per scenario,
 * BENCH_API_ONLY (a regular expression over scenario names; the bare route always runs).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { createLogger, signToken } from '@learnlive/common';
import { loadApiConfig, startApi } from '@learnlive/api';
import { createPostgresDatabase, TEST_JWT_SECRET } from '@learnlive/testing';

/* eslint-disable no-console -- a benchmark prints its table */

// Benchmarks are programs: they read their knobs here, like a service's config module.
const env = process.env;
const CONCURRENCY = Number(env.BENCH_API_CONCURRENCY ?? 50);
const SECONDS = Number(env.BENCH_API_SECONDS ?? 8);
const ONLY = env.BENCH_API_ONLY ? new RegExp(env.BENCH_API_ONLY) : undefined;
const WARMUP_MS = 1500;
const COURSES = 300;
const RESULTS = fileURLToPath(new URL('./results/api.json', import.meta.url));

interface Scenario {
  name: string;
  url: string;
  method: 'GET' | 'PUT';
  /** One access token per client connection (progress), or none. */
  tokens?: string[];
}

interface Figures {
  name: string;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  /** CPU time of this process (every server under test) per measured request, ms. */
  cpuMsPerRequest: number;
  /** The machine's 1-minute load average when the scenario started. */
  load: number;
}

// The load generator: plain JavaScript so the child process needs no TypeScript loader.
const LOAD = `
const http = require('node:http');
process.once('message', (workerData) => generate(workerData).then((result) => process.send(result, () => process.exit(0))));
async function generate({ url, method, tokens, concurrency, durationMs, warmupMs }) {
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
function once(client, n) {
  return new Promise((resolve) => {
    const headers = {};
    let body;
    if (tokens) headers.authorization = 'Bearer ' + tokens[client % tokens.length];
    if (method === 'PUT') {
      const from = (n * 5) % 3000;
      body = JSON.stringify({ positionSeconds: from + 5, watched: [[from, from + 5]] });
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const started = performance.now();
    const req = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname + target.search, method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode >= 200 && res.statusCode < 300, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ ok: false, ms: performance.now() - started }));
    if (body) req.write(body);
    req.end();
  });
}
  const start = performance.now();
  const measureFrom = start + warmupMs;
  setTimeout(() => process.send({ measuring: true }), warmupMs);
  const end = measureFrom + durationMs;
  const latencies = [];
  let errors = 0;
  await Promise.all(Array.from({ length: concurrency }, async (_, client) => {
    let n = 0;
    while (performance.now() < end) {
      const r = await once(client, n++);
      if (performance.now() - r.ms >= measureFrom) {
        latencies.push(r.ms);
        if (!r.ok) errors++;
      }
    }
  }));
  agent.destroy();
  return { latencies, errors, seconds: durationMs / 1000 };
}
`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function run(scenario: Scenario): Promise<Figures> {
  const load = Number(loadavg()[0]!.toFixed(2));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LOAD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    // This process serves every route under test: its CPU time per request, measured over the
    // same window as the latencies, is what our stack costs, and it varies far less with the
    // machine's other load than throughput does. (PostgreSQL's own CPU is not in it.)
    let cpuFrom: NodeJS.CpuUsage | undefined;
    child.on('message', (message) => {
      if ((message as { measuring?: boolean }).measuring) {
        cpuFrom = process.cpuUsage();
        return;
      }
      const cpu = process.cpuUsage(cpuFrom);
      const m = message as { latencies: number[]; errors: number; seconds: number };
      const sorted = m.latencies.sort((a, b) => a - b);
      resolve({
        name: scenario.name,
        requests: sorted.length,
        errors: m.errors,
        rps: Math.round(sorted.length / m.seconds),
        p50: Number(percentile(sorted, 50).toFixed(2)),
        p99: Number(percentile(sorted, 99).toFixed(2)),
        cpuMsPerRequest: Number(((cpu.user + cpu.system) / 1000 / Math.max(1, sorted.length)).toFixed(3)),
        load,
      });
    });
    child.send({
      url: scenario.url,
      method: scenario.method,
      tokens: scenario.tokens,
      concurrency: CONCURRENCY,
      durationMs: SECONDS * 1000,
      warmupMs: WARMUP_MS,
    });
  });
}

async function main() {
  const database = await createPostgresDatabase();
  const logger = createLogger({ name: 'bench', level: 'silent' });
  const api = await startApi(
    loadApiConfig({
      JWT_SECRET: TEST_JWT_SECRET,
      API_PORT: '0',
      API_HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      LOG_LEVEL: 'silent',
    }),
    logger,
    { db: database.db },
  );
  // The same API with the catalog cache off: what each request costs the database.
  const uncached = await startApi(
    loadApiConfig({
      JWT_SECRET: TEST_JWT_SECRET,
      API_PORT: '0',
      API_HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      LOG_LEVEL: 'silent',
      CATALOG_CACHE_MS: '0',
    }),
    logger,
    { db: database.db },
  );
  let bare: Server | undefined;
  try {
    const db = database.db;
    // Seed straight into the tables: the figure is about reading and progress, not sign-up.
    const { rows: teachers } = await db.query<{ id: string }>(
      `insert into users (email, display_name, password_hash, role)
       values ('teacher@bench.local', 'Bench Teacher', 'x', 'instructor') returning id`,
    );
    const teacherId = teachers[0]!.id;
    const domains = ['programming', 'arts', 'languages', 'science'];
    for (let i = 0; i < COURSES; i++) {
      const { rows } = await db.query<{ id: string }>(
        `insert into courses (instructor_id, title, summary, domain, language, pricing, price_amount, status, published_at)
         values ($1, $2, $3, $4, 'en', $5, $6, 'published', now()) returning id`,
        [
          teacherId,
          `Course ${i}: ${domains[i % 4]} in practice`,
          `Everything about ${domains[i % 4]}, lesson by lesson`,
          domains[i % 4],
          i % 3 ? 'one_time' : 'free',
          i % 3 ? 1000 + i : 0,
        ],
      );
      const { rows: mods } = await db.query<{ id: string }>(
        `insert into course_modules (course_id, title, position) values ($1, 'Part 1', 1) returning id`,
        [rows[0]!.id],
      );
      for (let l = 1; l <= 3; l++) {
        await db.query(
          `insert into lessons (course_id, module_id, title, kind, position, duration_seconds)
           values ($1, $2, $3, 'video', $4, 3600)`,
          [rows[0]!.id, mods[0]!.id, `Lesson ${l}`, l],
        );
      }
    }
    const { rows: target } = await db.query<{ course_id: string; id: string }>(
      'select course_id, id from lessons order by created_at limit 1',
    );
    const { course_id: courseId, id: lessonId } = target[0]!;
    const tokens: string[] = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const { rows } = await db.query<{ id: string }>(
        `insert into users (email, display_name, password_hash) values ($1, $2, 'x') returning id`,
        [`learner${i}@bench.local`, `Learner ${i}`],
      );
      await db.query(`insert into enrollments (user_id, course_id, source) values ($1, $2, 'free')`, [
        rows[0]!.id,
        courseId,
      ]);
      tokens.push(
        signToken(
          { typ: 'access', sub: rows[0]!.id, role: 'learner', name: `Learner ${i}` },
          TEST_JWT_SECRET,
          3600,
        ),
      );
    }
    await db.query('analyze');

    const apiUrl = `http://127.0.0.1:${api.port}`;
    const uncachedUrl = `http://127.0.0.1:${uncached.port}`;
    const catalogPage = await (await fetch(`${apiUrl}/api/courses?limit=20`)).text();
    // The baseline: the same HTTP stack, no database, no validation; the same bytes out.
    const app = new Hono();
    app.get('/bare', (c) => c.body(catalogPage, 200, { 'content-type': 'application/json' }));
    bare = createAdaptorServer({ fetch: app.fetch }) as Server;
    await new Promise<void>((resolve) => bare!.listen(0, '127.0.0.1', resolve));
    const barePort = (bare.address() as { port: number }).port;

    const results: Figures[] = [];
    for (const scenario of [
      {
        name: 'bare hono route (same catalog page)',
        url: `http://127.0.0.1:${barePort}/bare`,
        method: 'GET',
      },
      {
        name: 'GET /api/courses (catalog, 20 items, cached until a change)',
        url: `${apiUrl}/api/courses?limit=20`,
        method: 'GET',
      },
      {
        name: 'GET /api/courses (catalog, 20 items, no cache)',
        url: `${uncachedUrl}/api/courses?limit=20`,
        method: 'GET',
      },
      {
        name: 'GET /api/courses?q=… (search, no cache)',
        url: `${uncachedUrl}/api/courses?q=programming%20practice&limit=20`,
        method: 'GET',
      },
      {
        name: 'PUT /api/lessons/:id/progress',
        url: `${apiUrl}/api/lessons/${lessonId}/progress`,
        method: 'PUT',
        tokens,
      },
    ] satisfies Scenario[]) {
      if (ONLY && results.length > 0 && !ONLY.test(scenario.name)) continue;
      const figures = await run(scenario);
      results.push(figures);
      console.log(`measured ${figures.name}: ${figures.rps} req/s (load average ${figures.load})`);
    }
    const baseline = results[0]!.rps;
    console.log(
      `\nAPI benchmark: ${CONCURRENCY} concurrent clients, ${SECONDS} s each, PostgreSQL, ${cpus().length} cores`,
    );
    console.table(
      results.map((r) => ({
        scenario: r.name,
        'req/s': r.rps,
        'p50 ms': r.p50,
        'p99 ms': r.p99,
        errors: r.errors,
        'vs bare': `${((r.rps / baseline) * 100).toFixed(1)}%`,
        'server CPU ms/req': r.cpuMsPerRequest,
        'load 1m': r.load,
      })),
    );
    for (const catalog of results.filter((r) => r.name.startsWith('GET /api/courses ('))) {
      console.log(
        `${catalog.name}: ${(catalog.rps / baseline).toFixed(3)} of bare (goal >= 0.5); p99 ${catalog.p99} ms (goal < 20 ms)`,
      );
    }
    await mkdir(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
    await writeFile(
      RESULTS,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          cores: availableParallelism(),
          concurrency: CONCURRENCY,
          secondsPerScenario: SECONDS,
          database: 'postgresql',
          courses: COURSES,
          results: results.map((r) => ({ ...r, ratioToBare: Number((r.rps / baseline).toFixed(3)) })),
        },
        null,
        2,
      ),
    );
    console.log(`written to ${RESULTS}`);
  } finally {
    if (bare) await new Promise((resolve) => bare!.close(resolve));
    await uncached.close();
    await api.close();
    await database.drop();
  }
}

await main();
