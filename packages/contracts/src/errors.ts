import { z } from 'zod';

/**
 * Every error code a client can receive, from REST (problem+json `code`), socket acks
 * (`error.code`) and handshake errors (`err.data.code`). Stable: clients switch on them, and
 * the client's i18n catalog holds one message per code (French and English); messages in
 * `detail`/`message` are English, for logs and developers. Field errors of `validation_failed`
 * name each field by `path`.
 */
export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'payload_too_large',
  'unauthenticated',
  'token_expired',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  /** Socket handshakes: this service node does not host the room; `location` says which does. */
  'moved',
  'unavailable',
  'internal',
] as const;
export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** RFC 9457 problem details, as every REST error answers (`application/problem+json`). */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: ErrorCodeSchema,
  detail: z.string(),
  /** Per-field messages for `validation_failed`. */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

export const ErrorBodySchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  /** With `moved`: the URL to connect to instead. */
  location: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** What every socket.io acknowledgement receives (the ack is always the last argument). */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckCallback<T> = (reply: Ack<T>) => void;
