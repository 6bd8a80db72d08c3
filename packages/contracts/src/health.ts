import { z } from 'zod';

export const SERVICE_NAMES = ['api', 'realtime', 'media', 'transcoder'] as const;
export const ServiceNameSchema = z.enum(SERVICE_NAMES);
export type ServiceName = z.infer<typeof ServiceNameSchema>;

/** `GET /healthz`: the process is alive. */
export const HealthSchema = z.object({ status: z.literal('ok'), service: ServiceNameSchema });
export type Health = z.infer<typeof HealthSchema>;

/** `GET /readyz`: every dependency answered (200) or at least one did not (503). */
export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  service: ServiceNameSchema,
  checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })),
});
export type Readiness = z.infer<typeof ReadinessSchema>;
