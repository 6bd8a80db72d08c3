import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { UserRole } from '@learnlive/contracts';
import { problems } from '../responses.js';
import { requireUser } from './middleware.js';

/** OpenAPI `security` of every route behind `requireUser` (the scheme is registered in app.ts). */
const bearerSecurity = [{ bearer: [] }];

type ProblemStatus = keyof typeof problems;

/** A route declaration as `authenticatedRoute` takes it: no middleware or security of its own. */
export type AuthenticatedRouteConfig = Omit<RouteConfig, 'middleware' | 'security' | 'path'> & {
  /**
   * The roles that may call it (admins pass every role check); a caller without one gets 403.
   * @default [] anyone signed in
   */
  roles?: readonly UserRole[];
  /** The problems the handler may answer besides 401 (always declared) and 403 (declared with `roles`). */
  errors?: readonly ProblemStatus[];
};

/** The problem statuses a declaration ends up with. */
type DeclaredProblems<C> =
  | 401
  | (C extends { roles: readonly UserRole[] } ? 403 : never)
  | (C extends { errors: ReadonlyArray<infer S extends ProblemStatus> } ? S : never);

/**
 * Declares a route that needs a signed-in caller, the one way every such route is declared:
 * `requireUser(...roles)` runs before the handler (401 without a valid access token, 403 without
 * one of `roles`), the OpenAPI document says it takes a bearer token, and its responses list the
 * `problem+json` answers: 401, 403 when `roles` are given, and each status in `errors`.
 * In the handler, `currentUser(c)` is the caller.
 */
export function authenticatedRoute<P extends string, C extends AuthenticatedRouteConfig & { path: P }>(
  config: C,
) {
  const { roles = [], errors = [], responses, ...route } = config;
  const statuses: ProblemStatus[] = [401, ...(roles.length > 0 ? [403 as const] : []), ...errors];
  const declared = Object.fromEntries(statuses.map((status) => [status, problems[status]])) as Pick<
    typeof problems,
    DeclaredProblems<C>
  >;
  return createRoute({
    ...(route as Omit<C, 'roles' | 'errors' | 'responses'>),
    middleware: [requireUser(...roles)] as const,
    security: bearerSecurity,
    responses: { ...(responses as C['responses']), ...declared },
  });
}
