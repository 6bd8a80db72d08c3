/**
 * What the deployment files say, read the way the tools read them, and what the services'
 * config schemas declare: shared by the infra tests (infra.int.test.ts, image.int.test.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { apiEnvSchema, loadApiConfig } from '@learnlive/api';
import { realtimeEnvSchema, loadRealtimeConfig } from '@learnlive/realtime';
import { mediaEnvSchema, loadMediaConfig } from '@learnlive/media';
import { transcoderEnvSchema, loadTranscoderConfig } from '@learnlive/transcoder';

export const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const at = (...parts: string[]) => join(ROOT, ...parts);
export const readText = (...parts: string[]) => readFileSync(at(...parts), 'utf8');

export type Env = Record<string, string>;

/** The four services: each one's schema (the variable names) and loader (the value checks). */
export const SERVICES = {
  api: { schemaName: 'apiEnvSchema', schema: apiEnvSchema, load: loadApiConfig },
  realtime: { schemaName: 'realtimeEnvSchema', schema: realtimeEnvSchema, load: loadRealtimeConfig },
  media: { schemaName: 'mediaEnvSchema', schema: mediaEnvSchema, load: loadMediaConfig },
  transcoder: { schemaName: 'transcoderEnvSchema', schema: transcoderEnvSchema, load: loadTranscoderConfig },
} as const;
export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

// ---------------------------------------------------------------------------------------
// Schema introspection: names, required variables and defaults, straight from zod.

export function shapeOf(service: ServiceName): Record<string, z.ZodType> {
  return SERVICES[service].schema.shape as Record<string, z.ZodType>;
}
export function variablesOf(service: ServiceName): string[] {
  return Object.keys(shapeOf(service));
}
/** A variable is required when the schema rejects its absence (no default, not optional). */
export function requiredVariablesOf(service: ServiceName): string[] {
  return Object.entries(shapeOf(service))
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([name]) => name);
}
export function defaultOf(service: ServiceName, variable: string): unknown {
  const field = shapeOf(service)[variable];
  if (!field) throw new Error(`${SERVICES[service].schemaName} has no variable ${variable}`);
  const parsed = field.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}
/** The HTTP port variable of a service is `<SERVICE>_PORT` (API_PORT, MEDIA_PORT, ...). */
export function portVariableOf(service: ServiceName): string {
  return `${service.toUpperCase()}_PORT`;
}
export function defaultPortOf(service: ServiceName): number {
  const port = defaultOf(service, portVariableOf(service));
  if (typeof port !== 'number') {
    throw new Error(`${SERVICES[service].schemaName} has no numeric default for ${portVariableOf(service)}`);
  }
  return port;
}

/**
 * Every problem with the environment a deployment file gives a service: names the schema
 * does not declare, required names left unset, and values the service's loader rejects.
 */
export function environmentProblems(service: ServiceName, env: Env, where: string): string[] {
  const { schemaName, load } = SERVICES[service];
  const known = new Set(variablesOf(service));
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (!known.has(name)) {
      problems.push(
        `${where} sets ${name}, which ${schemaName} does not declare (it declares: ${[...known].join(', ')})`,
      );
    }
  }
  for (const name of requiredVariablesOf(service)) {
    if (env[name] === undefined || env[name] === '') {
      problems.push(`${where} does not set ${name}, which ${schemaName} requires (no default)`);
    }
  }
  try {
    load(env);
  } catch (err) {
    problems.push(
      `${where}: the service would refuse to start: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// docker-compose

export const stringList = z.union([z.string().transform((s) => [s]), z.array(z.string())]);
export const ComposePort = z.union([
  z
    .looseObject({
      target: z.coerce.number(),
      published: z.coerce.number().optional(),
      protocol: z.string().default('tcp'),
    })
    .transform((p) => ({ target: p.target, published: p.published, protocol: p.protocol })),
  // Short syntax, as docker-compose 1.29 prints ports with a host address: [ip:]published:target[/proto]
  z.string().transform((s, ctx) => {
    const match = /^(?:[\d.]+:)?(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(s);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `unreadable port ${s}` });
      return z.NEVER;
    }
    return {
      target: Number(match[2]),
      published: match[1] ? Number(match[1]) : undefined,
      protocol: match[3] ?? 'tcp',
    };
  }),
]);
export const ComposeService = z.looseObject({
  image: z.string().optional(),
  build: z.looseObject({ context: z.string(), target: z.string().optional() }).optional(),
  environment: z.record(z.string(), z.string().nullable()).default({}),
  ports: z.array(ComposePort).default([]),
  expose: z.array(z.coerce.number()).default([]),
  healthcheck: z.looseObject({ test: stringList }).optional(),
  depends_on: z.record(z.string(), z.looseObject({ condition: z.string() })).default({}),
  command: stringList.optional(),
  entrypoint: stringList.optional(),
  /** Mount targets (docker-compose 1.29 prints `source:target:mode`). */
  volumes: z
    .array(
      z.union([
        z.string().transform((v) => v.split(':')[1] ?? v),
        z.looseObject({ target: z.string() }).transform((v) => v.target),
      ]),
    )
    .default([]),
});
export type ComposeService = z.infer<typeof ComposeService>;
export const ComposeFile = z.looseObject({ services: z.record(z.string(), ComposeService) });
export type ComposeFile = z.infer<typeof ComposeFile>;

export function composeBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('docker-compose is not installed (Debian: apt-get install -y docker-compose)');
  }
}

/** The variables docker-compose.yml refuses to run without (`${NAME:?message}`). */
export function composeRequiredVariables(): Set<string> {
  return new Set([...readText('docker-compose.yml').matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!));
}

/**
 * The .env a user writes from infra/.env.example: every blank required value filled in with
 * a random secret, optional blanks left empty (they count as unset).
 */
export function exampleEnv(): Env {
  const required = composeRequiredVariables();
  const env: Env = {};
  for (const line of readText('infra/.env.example').split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, name, value] = match as unknown as [string, string, string];
    env[name] = value || (required.has(name) ? randomBytes(24).toString('hex') : '');
  }
  return env;
}

export async function composeConfig(
  dir: string,
  env: Env,
): Promise<{ ok: true; stdout: string } | { ok: false; stderr: string }> {
  const envFile = join(dir, `compose-${randomBytes(4).toString('hex')}.env`);
  await writeFile(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  try {
    // Only PATH and HOME from our environment: a CI variable such as JWT_SECRET must not
    // stand in for a value the .env file lacks.
    const { stdout } = await run(
      composeBinary(),
      ['--env-file', envFile, '-f', at('docker-compose.yml'), '--project-directory', ROOT, 'config'],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: dir }, timeout: 30_000 },
    );
    return { ok: true, stdout };
  } catch (err) {
    return { ok: false, stderr: String((err as { stderr?: string }).stderr ?? err) };
  }
}

export function environmentOf(service: ComposeService): Env {
  const env: Env = {};
  for (const [name, value] of Object.entries(service.environment)) if (value !== null) env[name] = value;
  return env;
}

export function effectivePort(service: ServiceName, env: Env): number {
  const set = env[portVariableOf(service)];
  return set === undefined || set === '' ? defaultPortOf(service) : Number(set);
}

/** Names of the services `name` waits for, with the condition, following depends_on transitively. */
export function dependencies(
  compose: ComposeFile,
  name: string,
  seen = new Map<string, string>(),
): Map<string, string> {
  for (const [dep, { condition }] of Object.entries(compose.services[name]?.depends_on ?? {})) {
    if (seen.has(dep)) continue;
    seen.set(dep, condition);
    dependencies(compose, dep, seen);
  }
  return seen;
}

export const PrometheusConfig = z.looseObject({
  scrape_configs: z.array(
    z.looseObject({
      job_name: z.string(),
      metrics_path: z.string().default('/metrics'),
      static_configs: z.array(z.looseObject({ targets: z.array(z.string()) })).default([]),
    }),
  ),
});
