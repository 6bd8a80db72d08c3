import { randomBytes } from 'node:crypto';

/**
 * POSTs JSON to the system under test (as a signed-in user when `token` is given) and parses
 * the answer; a non-2xx answer fails the test with its problem body.
 */
export async function postJson<T>(
  baseUrl: string,
  path: string,
  parse: (body: unknown) => T,
  init: { token?: string; body?: unknown } = {},
): Promise<T> {
  const res = await fetch(new URL(path, baseUrl), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return parse(body);
}

/** A letters-only word no other test uses: unique emails, and search terms that match only ours. */
export const uniqueWord = () =>
  Array.from(randomBytes(8), (b) => String.fromCharCode(97 + (b % 26))).join('');
