import { AppError } from '@learnlive/common';
import type { MiddlewareHandler } from 'hono';

/**
 * What no text column can hold: NUL (PostgreSQL refuses `\u0000` in text, so it failed as a
 * 500) and UTF-16 surrogates without their pair (JSON can escape them; they reached the database
 * as replacement characters, the text silently changed).
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDFFF]/u;

/** Each string (and key) of a parsed JSON value that no text column can hold, by path. */
export function unstorableText(
  value: unknown,
  path: string[] = [],
): Array<{ path: string; message: string }> {
  const at = () => path.join('.') || '(body)';
  if (typeof value === 'string') {
    if (!UNSTORABLE.test(value)) return [];
    return [
      {
        path: at(),
        message: value.includes('\u0000') ? 'contains a NUL character' : 'is not valid Unicode text',
      },
    ];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => unstorableText(item, [...path, String(i)]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(UNSTORABLE.test(key)
        ? [{ path: [...path, key].join('.'), message: 'has an invalid field name' }]
        : []),
      ...unstorableText(item, [...path, key]),
    ]);
  }
  return [];
}

function isJson(contentType: string | undefined): boolean {
  return /^application\/([\w.+-]+\+)?json\b/i.test(contentType ?? '');
}

/**
 * Refuses, before any route, query parameters and JSON bodies holding text no column can hold:
 * 400 `validation_failed` naming each field. The body is read as text once (hono caches it, so
 * the route's validator and raw readers such as the Stripe webhook get the same text); other
 * bodies (uploads' byte streams) are left unread.
 */
export function rejectUnstorableText(): MiddlewareHandler {
  return async (c, next) => {
    // as hono's query validator sees them: one value as a string, repeated ones as an array
    const query = Object.fromEntries(
      Object.entries(c.req.queries()).map(([key, values]) => [key, values.length === 1 ? values[0] : values]),
    );
    const problems = unstorableText(query);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && isJson(c.req.header('content-type'))) {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        // malformed or empty: the route's validator answers that
      }
      problems.push(...unstorableText(body));
    }
    if (problems.length > 0) {
      throw new AppError('validation_failed', 'the request holds text that cannot be stored', {
        fieldErrors: problems,
      });
    }
    await next();
  };
}
