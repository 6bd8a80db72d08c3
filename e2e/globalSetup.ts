import type { TestProject } from 'vitest/node';
import type { System } from '@learnlive/all-in-one';
import { startTestSystem } from './support.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The URL a person opens, of a whole system started for the browser tests. */
    baseUrl: string;
    ports: System['ports'];
  }
}

/** Starts the whole system once (embedded defaults, ports 0) for every browser test. */
export default async function setup(project: TestProject) {
  const system = await startTestSystem('e2e', {
    // signs up as an admin (the moderation console's audit log)
    ADMIN_EMAILS: 'e2e-admin@example.org',
  });
  project.provide('baseUrl', system.url);
  project.provide('ports', system.ports);
  return () => system.close();
}
