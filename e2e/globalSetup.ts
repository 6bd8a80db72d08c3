import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadAllInOneConfig, startSystem, type System } from '@learnlive/all-in-one';
import { testLogger } from '@learnlive/testing';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The URL a person opens, of a whole system started for the browser tests. */
    baseUrl: string;
    ports: System['ports'];
  }
}

/** Starts the whole system once (embedded defaults, ports 0) for every browser test. */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), 'learnlive-e2e-'));
  const system = await startSystem(
    loadAllInOneConfig({
      DATA_DIR: dataDir,
      API_PORT: '0',
      REALTIME_PORT: '0',
      MEDIA_PORT: '0',
      TRANSCODER_PORT: '0',
      S3_PORT: '0',
      MEDIA_RTC_PORT: '0',
      MEDIA_LISTEN_IP: '127.0.0.1',
      PUBLIC_HOST: '127.0.0.1',
      // signs up as an admin (the moderation console's audit log)
      ADMIN_EMAILS: 'e2e-admin@example.org',
    }),
    testLogger('e2e'),
  );
  project.provide('baseUrl', system.url);
  project.provide('ports', system.ports);
  return async () => {
    await system.close();
    await rm(dataDir, { recursive: true, force: true });
  };
}
