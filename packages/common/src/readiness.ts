import type { Health, Readiness, ServiceName } from '@learnlive/contracts';
import { withTimeout } from './lifecycle.js';

export type ReadinessCheck = () => Promise<unknown>;

/** What the operations endpoints answer, independent of the HTTP stack that serves them. */
export class Ops {
  constructor(
    readonly service: ServiceName,
    private readonly checks: Readonly<Record<string, ReadinessCheck>>,
    private readonly timeoutMs = 2_000,
  ) {}

  health(): Health {
    return { status: 'ok', service: this.service };
  }

  async readiness(): Promise<Readiness> {
    const entries = await Promise.all(
      Object.entries(this.checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), this.timeoutMs);
          return [name, { ok: true }] as const;
        } catch (err) {
          return [name, { ok: false, error: err instanceof Error ? err.message : String(err) }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, result]) => result.ok);
    return { status: ready ? 'ready' : 'not_ready', service: this.service, checks };
  }
}
