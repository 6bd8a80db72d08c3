import { ProblemSchema } from '@learnlive/contracts';
import type { z } from 'zod';

/** OpenAPI response entries shared by every route module. */
export function jsonBody<S extends z.ZodType>(schema: S, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

/** A required JSON request body: without `required`, a body sent as another type would skip validation. */
export function jsonRequest<S extends z.ZodType>(schema: S) {
  return { content: { 'application/json': { schema } }, required: true };
}

const problem = (description: string) => ({
  content: { 'application/problem+json': { schema: ProblemSchema } },
  description,
});

/** The errors any route may answer; each keyed by its HTTP status. */
export const problems = {
  400: problem('Bad input (`validation_failed`, `bad_request`)'),
  401: problem('No, invalid or expired access token (`unauthenticated`, `token_expired`)'),
  403: problem('Not allowed (`forbidden`)'),
  404: problem('No such resource, or not visible to the caller (`not_found`)'),
  409: problem('Conflicts with the current state (`conflict`)'),
  413: problem('Body too large (`payload_too_large`)'),
  429: problem('Too many attempts (`rate_limited`)'),
} as const;

export const noContent = { description: 'Done' } as const;
