import { TEST_JWT_SECRET } from '@learnlive/testing';
import { loadApiConfig } from './config.js';

/** An HTTP answer as the API suites assert on it. */
export interface Answer {
  status: number;
  /** Parsed JSON, or the text when the body is not JSON (calendar files). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read what they expect
  headers: Headers;
  text: string;
}

export interface CallOptions {
  /** Sent as `Authorization: Bearer …`. */
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (malformed JSON, raw webhook payloads). */
  raw?: string;
  headers?: Record<string, string>;
}

/** One request to a running API, the way every API suite makes them. */
export async function callApi(
  baseUrl: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

/** The configuration every API suite starts from: port 0 on loopback, the test secret, quiet. */
export function testApiConfig(databaseUrl: string, env: Record<string, string> = {}) {
  return loadApiConfig({
    JWT_SECRET: TEST_JWT_SECRET,
    API_PORT: '0',
    API_HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    ...env,
  });
}
