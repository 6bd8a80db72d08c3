import { describe, expect, it } from 'vitest';
import { createLogger, Ops, createMetrics, signToken, verifyAccessToken } from '@learnlive/common';
import type { UserRole } from '@learnlive/contracts';
import { TEST_JWT_SECRET } from '@learnlive/testing';
import { z } from 'zod';
import { createApp } from '../app.js';
import { jsonBody } from '../responses.js';
import { authenticatedRoute } from './authenticatedRoute.js';
import { currentUser } from './middleware.js';

const Answer = z.object({ id: z.string(), role: z.string() });

const forMentors = authenticatedRoute({
  method: 'post',
  path: '/api/test/mentors/{id}',
  summary: 'Mentors only',
  roles: ['mentor'],
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: jsonBody(Answer, 'The caller') },
  errors: [404, 409],
});

const forAnyone = authenticatedRoute({
  method: 'get',
  path: '/api/test/anyone',
  summary: 'Anyone signed in',
  responses: { 200: jsonBody(Answer, 'The caller') },
});

/** The API's app (its error boundary), with token verification as `authenticator` installs it. */
function testApp() {
  return createApp(
    {
      logger: createLogger({ name: 'test', level: 'silent' }),
      ops: new Ops('api', {}),
      metrics: createMetrics('api'),
      clientConfig: () => ({ apiUrl: '', realtimeUrl: '', mediaUrl: '', engines: {} }),
      clientDistDir: undefined,
    },
    (app) => {
      app.use('/api/*', async (c, next) => {
        c.set('verifyAccess', (token) => {
          const claims = verifyAccessToken(token, TEST_JWT_SECRET);
          return { id: claims.sub, role: claims.role, name: claims.name };
        });
        await next();
      });
      app.openapi(forMentors, (c) => {
        const user = currentUser(c);
        return c.json({ id: `${c.req.valid('param').id}:${user.id}`, role: user.role }, 200);
      });
      app.openapi(forAnyone, (c) => {
        const user = currentUser(c);
        return c.json({ id: user.id, role: user.role }, 200);
      });
    },
  );
}

interface Operation {
  security?: unknown;
  responses: Record<string, { content?: Record<string, unknown> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };
const body = async (res: Response) => (await res.json()) as Record<string, unknown>;

const tokenOf = (role: UserRole) =>
  signToken({ typ: 'access', sub: `user-${role}`, role, name: role }, TEST_JWT_SECRET, 60);

describe('authenticatedRoute', () => {
  it('documents bearer security, 401, 403 with roles, and the listed errors', async () => {
    const doc = (await (await testApp().request('/api/openapi.json')).json()) as Doc;
    const mentors = doc.paths['/api/test/mentors/{id}']!.post!;
    expect(mentors.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(mentors.responses).sort()).toEqual(['200', '401', '403', '404', '409']);
    expect(mentors.responses['401']!.content).toHaveProperty(['application/problem+json']);
    const anyone = doc.paths['/api/test/anyone']!.get!;
    expect(anyone.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(anyone.responses).sort()).toEqual(['200', '401']);
  });

  it('runs the handler only for a signed-in caller with one of the roles (admins pass)', async () => {
    const app = testApp();
    const call = (path: string, method: string, role?: UserRole) =>
      app.request(path, {
        method,
        headers: role ? { authorization: `Bearer ${tokenOf(role)}` } : {},
      });

    const anonymous = await call('/api/test/mentors/7', 'POST');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect((await body(anonymous)).code).toBe('unauthenticated');

    const learner = await call('/api/test/mentors/7', 'POST', 'learner');
    expect(learner.status).toBe(403);
    expect((await body(learner)).code).toBe('forbidden');

    expect(await (await call('/api/test/mentors/7', 'POST', 'mentor')).json()).toEqual({
      id: '7:user-mentor',
      role: 'mentor',
    });
    expect((await call('/api/test/mentors/7', 'POST', 'admin')).status).toBe(200);

    expect((await call('/api/test/anyone', 'GET')).status).toBe(401);
    expect(await (await call('/api/test/anyone', 'GET', 'learner')).json()).toEqual({
      id: 'user-learner',
      role: 'learner',
    });
  });
});
