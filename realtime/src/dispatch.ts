import { toAppError, toErrorBody, type Logger } from '@learnlive/common';
import { REALTIME_CLIENT_SCHEMAS, type RealtimeClientEvent } from '@learnlive/contracts';
import { handlers, type RealtimeContext, type RealtimeSocket } from './handlers.js';

/** Client events answered, by event and outcome (`realtime_events_total`). */
export interface EventCounter {
  inc(labels: { event: string; outcome: string }): void;
}

const EVENTS = new Set(Object.keys(REALTIME_CLIENT_SCHEMAS));
const isEvent = (name: unknown): name is RealtimeClientEvent => typeof name === 'string' && EVENTS.has(name);

/**
 * Before any handler: floods (`take` refuses) and unknown events are answered here and never
 * reach a handler.
 */
export function guardEvents(socket: RealtimeSocket, take: () => boolean, events: EventCounter): void {
  socket.use(([event, ...args], next) => {
    const ack = args[args.length - 1];
    const reply = (code: 'rate_limited' | 'bad_request', message: string) => {
      events.inc({ event: 'invalid', outcome: code });
      if (typeof ack === 'function') (ack as (r: unknown) => void)({ ok: false, error: { code, message } });
    };
    if (!take()) return reply('rate_limited', 'too many events; slow down');
    if (!isEvent(event)) return reply('bad_request', `unknown event ${String(event).slice(0, 64)}`);
    next();
  });
}

/**
 * The boundary between sockets and the handler table: each event's payload is parsed with its
 * zod schema, its handler runs, and the ack gets `{ ok: true, data }` or `{ ok: false, error }`
 * (an unknown error: `internal` and one log line).
 */
export function dispatchEvents(
  ctx: RealtimeContext,
  socket: RealtimeSocket,
  events: EventCounter,
  log: Logger,
): void {
  for (const event of Object.keys(handlers) as RealtimeClientEvent[]) {
    socket.on(event, (...args: unknown[]) => {
      // The ack is always last: `emit(event, ack)` without a payload is a malformed call.
      const ack = args.at(-1);
      const payload = args.length > 1 ? args[0] : undefined;
      if (typeof ack !== 'function') {
        // Without an ack we cannot answer; doing the work silently would hide errors.
        events.inc({ event, outcome: 'no_ack' });
        return;
      }
      const reply = ack as (r: unknown) => void;
      const parsed = REALTIME_CLIENT_SCHEMAS[event].safeParse(payload);
      if (!parsed.success) {
        const tooBig = parsed.error.issues.some((i) => i.code === 'too_big' && i.path[0] === 'text');
        const code = tooBig ? 'payload_too_large' : 'validation_failed';
        events.inc({ event, outcome: code });
        reply({
          ok: false,
          error: {
            code,
            message: parsed.error.issues
              .map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`)
              .join('; '),
          },
        });
        return;
      }
      const handler = handlers[event] as (
        c: RealtimeContext,
        s: RealtimeSocket,
        i: unknown,
      ) => Promise<unknown>;
      handler(ctx, socket, parsed.data).then(
        (data) => {
          events.inc({ event, outcome: 'ok' });
          reply({ ok: true, data });
        },
        (err: unknown) => {
          const appError = toAppError(err);
          if (appError.code === 'internal') log.error({ err, event }, 'handler failed');
          events.inc({ event, outcome: appError.code });
          reply({ ok: false, error: toErrorBody(appError) });
        },
      );
    });
  }
}
