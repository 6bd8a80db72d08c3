import { z } from 'zod';

/**
 * `GET /api/config`: where the browser finds each service. The person opens one URL (the
 * API's, which also serves the client); the client reads this to reach the others.
 */
export const ClientConfigSchema = z.object({
  /** Base URL of the REST API, e.g. `http://localhost:3000/api`. */
  apiUrl: z.string(),
  /** socket.io URL of the realtime layer (chat, presence, progress, moderation). */
  realtimeUrl: z.string(),
  /** socket.io URL of the media signalling service. */
  mediaUrl: z.string(),
  /** Engines and adapters in use, shown on the status page. */
  engines: z.record(z.string(), z.string()),
});
export type ClientConfig = z.infer<typeof ClientConfigSchema>;
