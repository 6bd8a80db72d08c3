import { ClientConfigSchema, ProblemSchema, type ClientConfig } from '@learnlive/contracts';
import type { z } from 'zod';

/** An API error as the person should read it: the problem's detail and its stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Fetches and validates a JSON answer; problem+json answers become ApiError. */
export async function apiFetch<S extends z.ZodType>(
  path: string,
  schema: S,
  init?: RequestInit,
): Promise<z.infer<S>> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } });
  } catch {
    throw new ApiError(0, 'unavailable', 'The server cannot be reached. Check your connection.');
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const problem = ProblemSchema.safeParse(body);
    throw problem.success
      ? new ApiError(res.status, problem.data.code, problem.data.detail)
      : new ApiError(res.status, 'internal', `The server answered ${res.status}.`);
  }
  return schema.parse(body);
}

let config: Promise<ClientConfig> | undefined;
export function clientConfig(): Promise<ClientConfig> {
  return (config ??= apiFetch('/api/config', ClientConfigSchema));
}
