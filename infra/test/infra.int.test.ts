/**
 * Keeps the deployment files honest: docker-compose.yml, the Dockerfile, the Kubernetes
 * manifests and the Prometheus/Grafana provisioning are checked against the code they deploy.
 * Variable names, required variables and ports come from the services' zod config schemas
 * (never hard-coded here), so renaming a variable or a port in a config module without
 * updating the deployment files fails this suite with the offending name.
 *
 * Real tools where they exist: `docker-compose config` (Debian's docker-compose 1.29)
 * validates and interpolates the compose file, and `kubectl kustomize` renders the manifests
 * when kubectl is installed (otherwise the resource files listed in kustomization.yaml are
 * read directly and the render comparison is skipped).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { loadApiConfig } from '@learnlive/api';
import { loadMediaConfig } from '@learnlive/media';
import {
  ComposeFile,
  PrometheusConfig,
  SERVICES,
  SERVICE_NAMES,
  at,
  composeConfig,
  composeRequiredVariables,
  defaultPortOf,
  dependencies,
  effectivePort,
  environmentOf,
  environmentProblems,
  exampleEnv,
  portVariableOf,
  readText,
  variablesOf,
  type Env,
  type ServiceName,
} from './deployment.js';

describe('docker-compose.yml', () => {
  let dir: string;
  let env: Env;
  let compose: ComposeFile;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infra-test-'));
    env = exampleEnv();
    const result = await composeConfig(dir, env);
    if (!result.ok) throw new Error(`docker-compose config failed:\n${result.stderr}`);
    compose = ComposeFile.parse(parseYaml(result.stdout));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is valid for docker-compose with the variables of infra/.env.example', () => {
    for (const name of [
      ...SERVICE_NAMES,
      'postgres',
      'redis',
      'minio',
      'minio-buckets',
      'coturn',
      'prometheus',
      'grafana',
    ]) {
      expect(compose.services, `compose service ${name}`).toHaveProperty([name]);
    }
  });

  it('refuses to render without each required secret, naming it', async () => {
    const required = composeRequiredVariables();
    expect([...required]).toContain('JWT_SECRET');
    for (const name of required) {
      const { [name]: _omitted, ...rest } = env;
      const result = await composeConfig(dir, rest);
      expect(result.ok, `docker-compose config without ${name}`).toBe(false);
      if (!result.ok) expect(result.stderr).toContain(name);
    }
  });

  it('gets every variable it interpolates from infra/.env.example', () => {
    const used = new Set([...readText('docker-compose.yml').matchAll(/\$\{(\w+)/g)].map((m) => m[1]!));
    const documented = new Set(Object.keys(exampleEnv()));
    expect([...used].filter((name) => !documented.has(name))).toEqual([]);
  });

  it.each(SERVICE_NAMES)(
    'gives %s only variables of its config schema, every required one, valid values',
    (name) => {
      const service = compose.services[name]!;
      expect(environmentProblems(name, environmentOf(service), `docker-compose service ${name}`)).toEqual([]);
    },
  );

  it.each(SERVICE_NAMES)(
    'builds %s from its Dockerfile target and checks its health on the schema port',
    (name) => {
      const service = compose.services[name]!;
      const port = effectivePort(name, environmentOf(service));
      expect(port, `${portVariableOf(name)} in compose vs the schema default`).toBe(defaultPortOf(name));
      expect(service.build?.target).toBe(name);
      const containerPorts = [...service.ports.map((p) => p.target), ...service.expose];
      expect(containerPorts, `ports/expose of ${name}`).toContain(port);
      expect(service.healthcheck?.test.join(' ')).toContain(`:${port}/healthz`);
    },
  );

  it('mounts volumes only on directories the image creates for the service user', () => {
    // A named volume takes the owner of the image directory it is mounted on; one the image
    // does not create would belong to root and the service (uid 1000) could not write it.
    const runtime = readText('Dockerfile')
      .split(/^FROM /m)
      .find((s) => s.startsWith('${NODE_IMAGE} AS runtime'));
    const created = new Set(
      [...(runtime ?? '').matchAll(/mkdir -p ([^&\n]+)/g)].flatMap((m) => m[1]!.trim().split(/\s+/)),
    );
    const problems: string[] = [];
    for (const name of SERVICE_NAMES) {
      const service = compose.services[name]!;
      for (const target of service.volumes.filter((t) => t.startsWith('/app/'))) {
        if (!created.has(target))
          problems.push(`${name} mounts ${target}, which the Dockerfile does not create`);
      }
      // Writable paths a service is configured with live on a volume (or they vanish with the container).
      for (const [variable, value] of Object.entries(environmentOf(service))) {
        if (value.startsWith('/app/data/') && !service.volumes.some((t) => value.startsWith(t))) {
          problems.push(`${name}: ${variable}=${value} is not on a volume`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('waits for the backing services each one uses', () => {
    const needs: Record<string, [string, string]> = {
      DATABASE_URL: ['postgres', 'service_healthy'],
      REDIS_URL: ['redis', 'service_healthy'],
      S3_ENDPOINT: ['minio-buckets', 'service_completed_successfully'],
    };
    const problems: string[] = [];
    for (const name of SERVICE_NAMES) {
      const serviceEnv = environmentOf(compose.services[name]!);
      const waits = dependencies(compose, name);
      for (const [variable, [dependency, condition]] of Object.entries(needs)) {
        if (serviceEnv[variable] === undefined) continue;
        if (waits.get(dependency) !== condition) {
          problems.push(`${name} sets ${variable} but does not wait for ${dependency} (${condition})`);
        }
        const host = new URL(serviceEnv[variable]).hostname;
        if (!compose.services[host])
          problems.push(`${name}: ${variable} points at ${host}, not a compose service`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('publishes one UDP and one TCP WebRTC port per mediasoup worker, as the media config computes them', () => {
    const media = compose.services.media!;
    const mediaEnv = environmentOf(media);
    const workersVariable = 'MEDIA_WORKERS';
    const rtcPortVariable = 'MEDIA_RTC_PORT';
    expect(variablesOf('media')).toEqual(expect.arrayContaining([workersVariable, rtcPortVariable]));
    // The default worker count is the machine's core count: compose must pin it to publish a range.
    expect(mediaEnv[workersVariable], `${workersVariable} must be set in compose`).toBeDefined();
    const config = loadMediaConfig(mediaEnv);
    const expected = new Set<string>();
    for (let i = 0; i < config.workers; i++) {
      expected.add(`${config.rtcPort + i}/udp`);
      expected.add(`${config.rtcPort + i}/tcp`);
    }
    const published = media.ports
      .filter((p) => p.published === p.target && p.target !== config.port)
      .map((p) => `${p.target}/${p.protocol}`);
    expect(published.sort()).toEqual([...expected].sort());
  });

  it('shares the TURN secret and address between coturn and media', () => {
    const media = loadMediaConfig(environmentOf(compose.services.media!));
    const coturn = (compose.services.coturn!.command ?? []).join(' ');
    expect(media.turnSecret).toBeDefined();
    expect(coturn).toContain(`--static-auth-secret=${media.turnSecret}`);
    expect(readText('infra/coturn/turnserver.conf')).toMatch(/^use-auth-secret$/m);
    const externalIp = /--external-ip=(\S+)/.exec(coturn)?.[1];
    expect(media.turnUrls.length).toBeGreaterThan(0);
    for (const url of media.turnUrls) expect(url).toMatch(new RegExp(`^turns?:${externalIp}:`));
    // The relay range coturn allocates is the one compose publishes.
    const conf = readText('infra/coturn/turnserver.conf');
    const min = Number(/^min-port=(\d+)/m.exec(conf)?.[1]);
    const max = Number(/^max-port=(\d+)/m.exec(conf)?.[1]);
    const relay = compose.services.coturn!.ports.filter(
      (p) => p.protocol === 'udp' && p.target >= min && p.target <= max,
    );
    expect(relay.length).toBe(max - min + 1);
  });

  it('gives the services the MinIO credentials and the bucket the one-shot service creates', () => {
    const minio = environmentOf(compose.services.minio!);
    const buckets = environmentOf(compose.services['minio-buckets']!);
    for (const name of ['api', 'media', 'transcoder'] as const) {
      const storage = SERVICES[name].load(environmentOf(compose.services[name]!)).storage;
      expect(storage.accessKeyId).toBe(minio.MINIO_ROOT_USER);
      expect(storage.secretAccessKey).toBe(minio.MINIO_ROOT_PASSWORD);
      expect(storage.bucket).toBe(buckets.S3_BUCKET);
    }
    expect(compose.services['minio-buckets']!.entrypoint?.join(' ')).toMatch(/mc mb .*\$S3_BUCKET/);
  });

  it('has Prometheus scrape every service on its compose name and schema port', () => {
    const prometheus = PrometheusConfig.parse(parseYaml(readText('infra/prometheus/prometheus.yml')));
    for (const name of SERVICE_NAMES) {
      const job = prometheus.scrape_configs.find((j) => j.job_name === name);
      expect(job, `prometheus job ${name}`).toBeDefined();
      expect(job!.metrics_path).toBe('/metrics');
      const port = effectivePort(name, environmentOf(compose.services[name]!));
      expect(job!.static_configs.flatMap((c) => c.targets)).toContain(`${name}:${port}`);
    }
  });
});

// ---------------------------------------------------------------------------------------
// Dockerfile

describe('Dockerfile', () => {
  const dockerfile = readText('Dockerfile');
  const rootPackage = z
    .object({ workspaces: z.array(z.string()) })
    .parse(JSON.parse(readText('package.json')));
  const PackageJson = z.looseObject({
    name: z.string(),
    dependencies: z.record(z.string(), z.string()).default({}),
  });
  const workspaceByName = new Map(
    rootPackage.workspaces.map((dir) => [
      PackageJson.parse(JSON.parse(readText(dir, 'package.json'))).name,
      dir,
    ]),
  );

  it('copies every workspace manifest before npm ci', () => {
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf('npm ci'));
    for (const dir of rootPackage.workspaces)
      expect(beforeInstall).toContain(`COPY ${dir}/package.json ${dir}/`);
  });

  it('ships each service and every workspace package it imports at runtime', () => {
    const listed = /ARG RUNTIME_WORKSPACES="([^"]+)"/.exec(dockerfile)?.[1]?.split(/\s+/) ?? [];
    const needed = new Set<string>();
    const visit = (dir: string) => {
      if (needed.has(dir)) return;
      needed.add(dir);
      const deps = PackageJson.parse(JSON.parse(readText(dir, 'package.json'))).dependencies;
      for (const dep of Object.keys(deps)) {
        const workspace = workspaceByName.get(dep);
        if (workspace) visit(workspace);
      }
    };
    for (const name of SERVICE_NAMES) visit(name);
    expect([...new Set(listed)].sort(), 'ARG RUNTIME_WORKSPACES in the Dockerfile').toEqual(
      [...needed].sort(),
    );
  });

  it.each(SERVICE_NAMES)('has a %s target that runs its dist/main.js and checks its health port', (name) => {
    const stage = dockerfile
      .split(/^FROM /m)
      .find((s) => new RegExp(`^runtime AS ${name}\\s*$`, 'm').test(s));
    expect(stage, `FROM runtime AS ${name}`).toBeDefined();
    expect(stage).toContain(`"${name}/dist/main.js"`);
    expect(stage).toContain(`process.env.${portVariableOf(name)}||${defaultPortOf(name)}`);
    expect(stage).toMatch(new RegExp(`^EXPOSE ${defaultPortOf(name)}\\b`, 'm'));
    expect(stage).toContain('HEALTHCHECK');
  });

  it('builds on node:24-trixie-slim, runs as non-root, and adds ffmpeg to media and the transcoder only', () => {
    // Node 24 LTS; trixie's glibc (>= 2.38) loads the uWebSockets.js binaries for Node >= 22.
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-trixie-slim$/m);
    const runtime = dockerfile.split(/^FROM /m).find((s) => s.startsWith('${NODE_IMAGE} AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    const stages = dockerfile.split(/^FROM /m);
    const withFfmpeg = stages
      .filter((s) => /apt-get install[^\n]*ffmpeg/.test(s))
      .map((s) => s.split('\n')[0]);
    // media records classes and encodes live HLS with ffmpeg; the transcoder makes the ladders.
    expect(withFfmpeg).toEqual(['runtime AS media', 'runtime AS transcoder']);
    for (const target of ['media', 'transcoder']) {
      const stage = stages.find((s) => s.startsWith(`runtime AS ${target}`))!;
      expect(
        stage
          .trimEnd()
          .split('\n')
          .filter((l) => l.startsWith('USER '))
          .at(-1),
      ).toBe('USER node');
    }
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = readText('.dockerignore').split('\n');
    for (const entry of ['.env', '**/node_modules', '**/dist', 'data']) expect(ignored).toContain(entry);
  });
});

// ---------------------------------------------------------------------------------------
// Kubernetes

const K8sObject = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
});
type K8sObject = z.infer<typeof K8sObject>;

const PortRef = z.union([z.number(), z.string()]);
const Probe = z.looseObject({ httpGet: z.looseObject({ path: z.string(), port: PortRef }) });
const Container = z.looseObject({
  name: z.string(),
  image: z.string(),
  ports: z
    .array(
      z.looseObject({
        name: z.string().optional(),
        containerPort: z.number(),
        protocol: z.string().default('TCP'),
      }),
    )
    .default([]),
  envFrom: z
    .array(
      z.looseObject({
        configMapRef: z.looseObject({ name: z.string() }).optional(),
        secretRef: z.looseObject({ name: z.string() }).optional(),
      }),
    )
    .default([]),
  env: z
    .array(
      z.looseObject({
        name: z.string(),
        value: z.string().optional(),
        valueFrom: z
          .looseObject({
            secretKeyRef: z.looseObject({ name: z.string(), key: z.string() }).optional(),
            configMapKeyRef: z.looseObject({ name: z.string(), key: z.string() }).optional(),
            fieldRef: z.looseObject({ fieldPath: z.string() }).optional(),
          })
          .optional(),
      }),
    )
    .default([]),
  livenessProbe: Probe.optional(),
  readinessProbe: Probe.optional(),
  securityContext: z.looseObject({ readOnlyRootFilesystem: z.boolean().optional() }).optional(),
  volumeMounts: z.array(z.looseObject({ name: z.string(), mountPath: z.string() })).default([]),
  resources: z
    .looseObject({
      requests: z.record(z.string(), PortRef).optional(),
      limits: z.record(z.string(), PortRef).optional(),
    })
    .optional(),
});
type Container = z.infer<typeof Container>;
const Workload = K8sObject.extend({
  kind: z.enum(['Deployment', 'DaemonSet', 'StatefulSet']),
  spec: z.looseObject({
    replicas: z.number().optional(),
    selector: z.looseObject({ matchLabels: z.record(z.string(), z.string()) }),
    template: z.looseObject({
      metadata: z.looseObject({
        labels: z.record(z.string(), z.string()),
        annotations: z.record(z.string(), z.string()).optional(),
      }),
      spec: z.looseObject({
        hostNetwork: z.boolean().optional(),
        affinity: z.unknown().optional(),
        containers: z.array(Container),
      }),
    }),
  }),
});
type Workload = z.infer<typeof Workload>;
const ConfigMap = K8sObject.extend({
  kind: z.literal('ConfigMap'),
  data: z.record(z.string(), z.string()).default({}),
});
const Secret = K8sObject.extend({
  kind: z.literal('Secret'),
  stringData: z.record(z.string(), z.string()).default({}),
});
const Service = K8sObject.extend({
  kind: z.literal('Service'),
  spec: z.looseObject({
    selector: z.record(z.string(), z.string()),
    ports: z.array(
      z.looseObject({ name: z.string().optional(), port: z.number(), targetPort: PortRef.optional() }),
    ),
  }),
});
const Selector = z.looseObject({ matchLabels: z.record(z.string(), z.string()) });
const Pdb = K8sObject.extend({
  kind: z.literal('PodDisruptionBudget'),
  spec: z.looseObject({ selector: Selector }),
});
const Hpa = K8sObject.extend({
  kind: z.literal('HorizontalPodAutoscaler'),
  spec: z.looseObject({
    scaleTargetRef: z.looseObject({ kind: z.string(), name: z.string() }),
    minReplicas: z.number().optional(),
    maxReplicas: z.number(),
  }),
});
const Backend = z.looseObject({
  service: z.looseObject({
    name: z.string(),
    port: z.looseObject({ name: z.string().optional(), number: z.number().optional() }),
  }),
});
const Ingress = K8sObject.extend({
  kind: z.literal('Ingress'),
  spec: z.looseObject({
    rules: z.array(
      z.looseObject({
        host: z.string().optional(),
        http: z.looseObject({
          paths: z.array(z.looseObject({ path: z.string(), pathType: z.string(), backend: Backend })),
        }),
      }),
    ),
  }),
});
const Kustomization = z.looseObject({ namespace: z.string(), resources: z.array(z.string()) });

const K8S_DIR = 'infra/k8s';
const kustomization = Kustomization.parse(parseYaml(readText(K8S_DIR, 'kustomization.yaml')));

function parseDocuments(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc, i) => {
    if (doc.errors.length) throw new Error(`${source} document ${i}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    return value === null ? [] : [K8sObject.parse(value)];
  });
}
/** The resource files of kustomization.yaml, read as they are (no kustomize transforms). */
function resourceFiles(): K8sObject[] {
  return kustomization.resources.flatMap((file) => parseDocuments(readText(K8S_DIR, file), file));
}
const kubectl = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
/** `kubectl kustomize` output when kubectl is installed (offline), else the plain resource files. */
const manifests: K8sObject[] = kubectl
  ? parseDocuments(
      execFileSync(kubectl, ['kustomize', at(K8S_DIR)], { encoding: 'utf8', timeout: 30_000 }),
      'kustomize',
    )
  : resourceFiles();
const secretTemplate = Secret.parse(parseYaml(readText(K8S_DIR, 'secret.example.yaml')));

function one<T extends z.ZodType>(schema: T, kind: string, name: string): z.infer<T> {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1)
    throw new Error(`expected one ${kind} ${name} in ${K8S_DIR}, found ${found.length}`);
  return schema.parse(found[0]);
}
function workloadOf(service: ServiceName): Workload {
  const found = manifests.filter(
    (m) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(m.kind) && m.metadata.name === service,
  );
  if (found.length !== 1)
    throw new Error(`expected one workload named ${service} in ${K8S_DIR}, found ${found.length}`);
  return Workload.parse(found[0]);
}
function containerOf(service: ServiceName): Container {
  const container = workloadOf(service).spec.template.spec.containers.find((c) => c.name === service);
  if (!container) throw new Error(`workload ${service} has no container named ${service}`);
  return container;
}
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** A stand-in for what the kubelet resolves from the downward API. */
const FIELD_REF_VALUES: Record<string, string> = { 'status.hostIP': '10.0.0.1', 'status.podIP': '10.1.0.1' };

/** The environment a container gets: its ConfigMaps, the Secret template's values, field refs. */
function resolvedEnvironment(service: ServiceName): { env: Env; problems: string[] } {
  const container = containerOf(service);
  const env: Env = {};
  const problems: string[] = [];
  const configMap = (name: string) => {
    const found = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === name);
    if (!found) problems.push(`${service} reads ConfigMap ${name}, which ${K8S_DIR} does not define`);
    return found ? ConfigMap.parse(found).data : {};
  };
  const secret = (name: string) => {
    if (name !== secretTemplate.metadata.name) {
      problems.push(`${service} reads Secret ${name}; the template defines ${secretTemplate.metadata.name}`);
    }
    return secretTemplate.stringData;
  };
  for (const source of container.envFrom) {
    if (source.configMapRef) Object.assign(env, configMap(source.configMapRef.name));
    if (source.secretRef) Object.assign(env, secret(source.secretRef.name));
  }
  for (const { name, value, valueFrom } of container.env) {
    let resolved: string | undefined = value;
    if (valueFrom?.secretKeyRef) resolved = secret(valueFrom.secretKeyRef.name)[valueFrom.secretKeyRef.key];
    if (valueFrom?.configMapKeyRef)
      resolved = configMap(valueFrom.configMapKeyRef.name)[valueFrom.configMapKeyRef.key];
    if (valueFrom?.fieldRef) resolved = FIELD_REF_VALUES[valueFrom.fieldRef.fieldPath];
    if (resolved === undefined) problems.push(`${service}: ${name} resolves to nothing (missing key?)`);
    else env[name] = resolved;
  }
  return { env, problems };
}

describe('Kubernetes manifests (infra/k8s)', () => {
  it.skipIf(!kubectl)('render with kubectl kustomize to the objects of the resource files', () => {
    const key = (m: K8sObject) => `${m.kind}/${m.metadata.name}`;
    expect(manifests.map(key).sort()).toEqual(resourceFiles().map(key).sort());
    for (const m of manifests.filter((o) => o.kind !== 'Namespace')) {
      expect(m.metadata.namespace, key(m)).toBe(kustomization.namespace);
    }
  });

  it.each(SERVICE_NAMES)(
    'give %s only variables of its config schema, every required one, valid values',
    (name) => {
      const { env, problems } = resolvedEnvironment(name);
      expect([...problems, ...environmentProblems(name, env, `k8s workload ${name}`)]).toEqual([]);
    },
  );

  it('keep every key of the Secret template in use, by a service that declares it', () => {
    const used = new Set(
      SERVICE_NAMES.flatMap((name) =>
        containerOf(name).env.flatMap((e) =>
          e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.key] : [],
        ),
      ),
    );
    expect(Object.keys(secretTemplate.stringData).filter((key) => !used.has(key))).toEqual([]);
    expect(secretTemplate.metadata.namespace).toBe(kustomization.namespace);
    expect(kustomization.resources, 'the Secret template must not be applied as is').not.toContain(
      'secret.example.yaml',
    );
  });

  it.each(SERVICE_NAMES)(
    'serve %s on its schema port with /healthz liveness, /readyz readiness, limits',
    (name) => {
      const workload = workloadOf(name);
      const container = containerOf(name);
      const { env } = resolvedEnvironment(name);
      const port = effectivePort(name, env);
      expect(port, `${portVariableOf(name)} vs the schema default`).toBe(defaultPortOf(name));
      const http = container.ports.find((p) => p.name === 'http');
      expect(http?.containerPort, `${name} container port "http"`).toBe(port);
      const refersToHttp = (ref: string | number) => ref === 'http' || ref === port;
      expect(container.livenessProbe?.httpGet.path).toBe('/healthz');
      expect(refersToHttp(container.livenessProbe!.httpGet.port)).toBe(true);
      expect(container.readinessProbe?.httpGet.path).toBe('/readyz');
      expect(refersToHttp(container.readinessProbe!.httpGet.port)).toBe(true);
      for (const kind of ['requests', 'limits'] as const) {
        expect(Object.keys(container.resources?.[kind] ?? {}).sort(), `${name} resources.${kind}`).toEqual([
          'cpu',
          'memory',
        ]);
      }
      expect(container.image.split(':')[0]).toBe(`learnlive/${name}`);
      expect(workload.spec.template.metadata.annotations?.['prometheus.io/port']).toBe(String(port));
      expect(matches(workload.spec.selector.matchLabels, workload.spec.template.metadata.labels)).toBe(true);

      const service = one(Service, 'Service', name);
      expect(
        matches(service.spec.selector, workload.spec.template.metadata.labels),
        `Service ${name} selects its pods`,
      ).toBe(true);
      expect(service.spec.ports.some((p) => refersToHttp(p.targetPort ?? p.port) && p.port === port)).toBe(
        true,
      );

      const pdb = manifests
        .filter((m) => m.kind === 'PodDisruptionBudget')
        .map((m) => Pdb.parse(m))
        .find((p) => matches(p.spec.selector.matchLabels, workload.spec.template.metadata.labels));
      expect(pdb, `a PodDisruptionBudget for ${name}`).toBeDefined();
    },
  );

  it.each(SERVICE_NAMES)('mount a volume under every writable path %s is configured with', (name) => {
    const container = containerOf(name);
    expect(container.securityContext?.readOnlyRootFilesystem, `${name} readOnlyRootFilesystem`).toBe(true);
    const { env } = resolvedEnvironment(name);
    const problems = Object.entries(env)
      .filter(([, value]) => value.startsWith('/app/data/') || value.startsWith('/tmp/'))
      .filter(([, value]) => !container.volumeMounts.some((m) => value.startsWith(m.mountPath)))
      .map(([variable, value]) => `${name}: ${variable}=${value} is on the read-only root filesystem`);
    expect(problems).toEqual([]);
  });

  it('keep every request of one resumable upload on the API pod that holds it', () => {
    // The API assembles uploads on its own disk (LESSON_UPLOAD_DIR), and it runs on several
    // pods: the upload path needs session affinity to api.
    expect(variablesOf('api'), 'api declares LESSON_UPLOAD_DIR (revisit upload affinity if not)').toContain(
      'LESSON_UPLOAD_DIR',
    );
    const sticky = manifests
      .filter(
        (m) =>
          m.kind === 'Ingress' &&
          m.metadata.annotations?.['nginx.ingress.kubernetes.io/affinity'] === 'cookie',
      )
      .map((m) => Ingress.parse(m))
      .flatMap((i) => i.spec.rules.flatMap((r) => r.http.paths))
      .filter((p) => p.backend.service.name === 'api' && p.path.startsWith('/api/'));
    expect(sticky.length, 'an Ingress path under /api with cookie affinity to api').toBeGreaterThan(0);
  });

  it('run realtime on 3 replicas and the transcoder on 2, and autoscale api and realtime', () => {
    expect(workloadOf('realtime').spec.replicas).toBe(3);
    expect(workloadOf('transcoder').spec.replicas).toBe(2);
    for (const name of ['api', 'realtime'] as const) {
      const hpa = manifests
        .filter((m) => m.kind === 'HorizontalPodAutoscaler')
        .map((m) => Hpa.parse(m))
        .find((h) => h.spec.scaleTargetRef.name === name);
      expect(hpa?.spec.scaleTargetRef.kind, `HPA for ${name}`).toBe(workloadOf(name).kind);
      expect(hpa!.spec.minReplicas ?? 1).toBeGreaterThanOrEqual(workloadOf(name).spec.replicas ?? 1);
    }
  });

  it('expose media WebRTC ports on the node, one media pod per node', () => {
    const workload = workloadOf('media');
    const container = containerOf('media');
    const config = loadMediaConfig(resolvedEnvironment('media').env);
    const onePerNode =
      workload.kind === 'DaemonSet' ||
      JSON.stringify(workload.spec.template.spec.affinity ?? {}).includes('podAntiAffinity');
    expect(onePerNode, 'media: a DaemonSet or pod anti-affinity').toBe(true);
    expect(workload.spec.template.spec.hostNetwork, 'media uses the node network for WebRTC').toBe(true);
    const expected = new Set<string>();
    for (let i = 0; i < config.workers; i++) {
      expected.add(`${config.rtcPort + i}/UDP`);
      expected.add(`${config.rtcPort + i}/TCP`);
    }
    const declared = container.ports
      .filter((p) => p.containerPort !== config.port)
      .map((p) => `${p.containerPort}/${p.protocol}`);
    expect(declared.sort()).toEqual([...expected].sort());
  });

  it('route / and /api to api, /socket.io to realtime, and a media host to media', () => {
    const ingresses = manifests.filter((m) => m.kind === 'Ingress').map((m) => Ingress.parse(m));
    const routes = ingresses.flatMap((i) =>
      i.spec.rules.flatMap((rule) =>
        rule.http.paths.map((p) => ({ host: rule.host, path: p.path, backend: p.backend.service })),
      ),
    );
    const serviceFor = (path: string, host?: string) =>
      routes.find((r) => r.path === path && (host === undefined || r.host === host))?.backend;
    const mainHost = routes.find((r) => r.path === '/socket.io')?.host;
    expect(serviceFor('/', mainHost)?.name).toBe('api');
    expect(serviceFor('/api', mainHost)?.name).toBe('api');
    expect(serviceFor('/socket.io', mainHost)?.name).toBe('realtime');
    const mediaRoute = routes.find((r) => r.backend.name === 'media');
    expect(mediaRoute?.host, 'media signalling has its own host').toBeDefined();
    expect(mediaRoute!.host).not.toBe(mainHost);
    // Every backend port exists on its Service.
    for (const { backend } of routes) {
      const service = one(Service, 'Service', backend.name);
      const ok = service.spec.ports.some(
        (p) => p.name === backend.port.name || p.port === backend.port.number,
      );
      expect(ok, `Service ${backend.name} port ${JSON.stringify(backend.port)}`).toBe(true);
    }
    // The browser URLs the API hands out point at the Ingress hosts.
    const api = loadApiConfig(resolvedEnvironment('api').env);
    expect(new URL(api.publicUrl).host).toBe(mainHost);
    expect(new URL(api.publicRealtimeUrl).host).toBe(mainHost);
    expect(new URL(api.publicMediaUrl).host).toBe(mediaRoute!.host);
  });
});

// ---------------------------------------------------------------------------------------
// Grafana

describe('Grafana provisioning', () => {
  const Datasources = z.looseObject({
    datasources: z.array(z.looseObject({ uid: z.string(), url: z.string() })),
  });
  const dashboardDir = at('infra/grafana/dashboards');

  it('points every dashboard panel at the provisioned Prometheus and at metrics the services define', () => {
    const datasources = Datasources.parse(
      parseYaml(readText('infra/grafana/provisioning/datasources/prometheus.yml')),
    );
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    const sources = new Map(
      SERVICE_NAMES.map((name) => [
        name,
        readdirSync(at(name, 'src'), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.ts'))
          .map((f) => readText(name, 'src', f))
          .join('\n'),
      ]),
    );
    const files = readdirSync(dashboardDir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const Dashboard = z.looseObject({
      uid: z.string(),
      panels: z.array(
        z.looseObject({
          title: z.string(),
          datasource: z.looseObject({ uid: z.string() }),
          targets: z.array(z.looseObject({ expr: z.string() })),
        }),
      ),
    });
    const problems: string[] = [];
    for (const file of files) {
      const dashboard = Dashboard.parse(JSON.parse(readFileSync(join(dashboardDir, file), 'utf8')));
      for (const panel of dashboard.panels) {
        if (!uids.has(panel.datasource.uid))
          problems.push(`${file} "${panel.title}": unknown datasource ${panel.datasource.uid}`);
        for (const { expr } of panel.targets) {
          for (const [, service, metric] of expr.matchAll(/\b(api|realtime|media|transcoder)_(\w+)/g)) {
            const name = `${service}_${metric}`;
            if (!sources.get(service as ServiceName)!.includes(`'${name}'`)) {
              problems.push(`${file} "${panel.title}": ${name} is not defined in ${service}/src`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
