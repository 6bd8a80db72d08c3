import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRoomToken, type RealtimePublisher } from '@learnlive/common';
import {
  CourseDetailSchema,
  CoursePageSchema,
  CourseProgressSchema,
  MyLearningSchema,
  ProgressUpdatedEventSchema,
  ProblemSchema,
  SessionResponseSchema,
  userRoom,
  type CreateCourseRequest,
  type SessionResponse,
} from '@learnlive/contracts';
import { DATABASE_ADAPTERS, TEST_JWT_SECRET, testLogger, type TestDatabase } from '@learnlive/testing';
import { grantEnrollment, revokeEnrollment } from './enrollments.js';
import { courseAccess } from './entitlements.js';
import { startApi, type ApiService } from './service.js';
import { callApi, testApiConfig, type Answer, type CallOptions } from './call.test-support.js';

interface Published {
  rooms: readonly string[];
  event: string;
  payload: unknown;
}

/** The real API on port 0 against one database adapter; each describe block gets its own. */
function harness(create: () => Promise<TestDatabase>, env: Record<string, string> = {}) {
  let database: TestDatabase;
  let api: ApiService;
  const published: Published[] = [];
  const disconnected: Array<readonly string[]> = [];
  const publisher: RealtimePublisher = {
    publish: (rooms, event, payload) => void published.push({ rooms, event, payload }),
    disconnect: (rooms) => void disconnected.push(rooms),
  };
  const h = {
    published,
    disconnected,
    get db() {
      return database.db;
    },
    url: '',
    async start() {
      database = await create();
      api = await startApi(
        testApiConfig(database.url, {
          ADMIN_EMAILS: 'root@example.org',
          API_BODY_LIMIT: '4096',
          ...env,
        }),
        testLogger('api'),
        { db: database.db, publisher },
      );
      h.url = `http://127.0.0.1:${api.port}`;
    },
    async stop() {
      await api?.close();
      await database?.drop();
    },
    call: (method: string, path: string, options?: CallOptions) => callApi(h.url, method, path, options),
    async register(email: string, role: 'learner' | 'instructor' | 'mentor' = 'learner') {
      const res = await h.call('POST', '/api/auth/register', {
        body: { email, password: 'correct horse battery', displayName: email.split('@')[0], role },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return SessionResponseSchema.parse(res.body);
    },
  };
  return h;
}

function expectProblem(res: Answer, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(ProblemSchema.parse(res.body).code).toBe(code);
}

describe.each(DATABASE_ADAPTERS)('accounts on %s', (_name, create) => {
  const h = harness(create, { SIGN_IN_MAX_FAILURES: '3' });
  beforeAll(h.start);
  afterAll(h.stop);

  it('registers, signs in, reads and updates the profile', async () => {
    const session = await h.register('Ada@Example.org');
    expect(session.user).toMatchObject({ email: 'ada@example.org', role: 'learner', displayName: 'Ada' });
    const again = await h.call('POST', '/api/auth/register', {
      body: { email: 'ada@example.org', password: 'another password', displayName: 'Ada 2' },
    });
    expectProblem(again, 409, 'conflict');

    const signIn = await h.call('POST', '/api/auth/sign-in', {
      body: { email: 'ADA@example.org', password: 'correct horse battery' },
    });
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('set-cookie')).toMatch(/ll_refresh=.*HttpOnly/i);
    const { accessToken } = SessionResponseSchema.parse(signIn.body);

    const me = await h.call('GET', '/api/me', { token: accessToken });
    expect(me.body).toMatchObject({ email: 'ada@example.org' });
    const updated = await h.call('PATCH', '/api/me', {
      token: accessToken,
      body: { displayName: 'Ada Lovelace', bio: 'Notes on the engine' },
    });
    expect(updated.body).toMatchObject({ displayName: 'Ada Lovelace', bio: 'Notes on the engine' });
    expectProblem(await h.call('GET', '/api/me'), 401, 'unauthenticated');
  });

  it('admins come from ADMIN_EMAILS; only admins change roles', async () => {
    const root = await h.register('root@example.org');
    expect(root.user.role).toBe('admin');
    const bob = await h.register('bob@example.org');
    expectProblem(
      await h.call('PUT', `/api/users/${root.user.id}/role`, {
        token: bob.accessToken,
        body: { role: 'learner' },
      }),
      403,
      'forbidden',
    );
    const changed = await h.call('PUT', `/api/users/${bob.user.id}/role`, {
      token: root.accessToken,
      body: { role: 'mentor' },
    });
    expect(changed.body).toMatchObject({ role: 'mentor' });
    // the next refresh carries the new role
    const refreshed = await h.call('POST', '/api/auth/refresh', { body: { refreshToken: bob.refreshToken } });
    expect(SessionResponseSchema.parse(refreshed.body).user.role).toBe('mentor');
  });

  it('rotates refresh tokens; an old one replayed after the grace window revokes the family', async () => {
    const refresh = (refreshToken: string) => h.call('POST', '/api/auth/refresh', { body: { refreshToken } });
    const first = await h.register('carol@example.org');
    const r1 = await refresh(first.refreshToken);
    expect(r1.status).toBe(200);
    const second = SessionResponseSchema.parse(r1.body);
    expect(second.refreshToken).not.toBe(first.refreshToken);

    // the same token again within seconds (another tab, a retried request): the same successor
    const again = await refresh(first.refreshToken);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(SessionResponseSchema.parse(again.body).refreshToken).toBe(second.refreshToken);

    // past the grace window (its use moved an hour back), the first token again is a stolen copy:
    // the family dies, including the newest token
    await h.db.query(
      `update refresh_tokens set used_at = used_at - interval '1 hour' where user_id = $1 and used_at is not null`,
      [first.user.id],
    );
    expectProblem(await refresh(first.refreshToken), 401, 'unauthenticated');
    expectProblem(await refresh(second.refreshToken), 401, 'unauthenticated');
    // the cookie works as well as the body
    const other = await h.call('POST', '/api/auth/sign-in', {
      body: { email: 'carol@example.org', password: 'correct horse battery' },
    });
    const cookie = other.headers.get('set-cookie')!.split(';')[0]!;
    const viaCookie = await h.call('POST', '/api/auth/refresh', { headers: { cookie } });
    expect(viaCookie.status).toBe(200);
  });

  it('gives two tabs refreshing with one token at once the same successor, and only within the grace', async () => {
    const refresh = (refreshToken: string) => h.call('POST', '/api/auth/refresh', { body: { refreshToken } });
    const s = await h.register('tabs@example.org');
    const answers = await Promise.all([
      refresh(s.refreshToken),
      refresh(s.refreshToken),
      refresh(s.refreshToken),
    ]);
    for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(200);
    const successors = new Set(answers.map((a) => SessionResponseSchema.parse(a.body).refreshToken));
    expect(successors.size).toBe(1);
    const [successor] = [...successors] as [string];
    // each answer's access token works, and the session goes on
    for (const a of answers) {
      expect(
        (await h.call('GET', '/api/me', { token: SessionResponseSchema.parse(a.body).accessToken })).status,
      ).toBe(200);
    }
    const next = await refresh(successor);
    expect(next.status).toBe(200);
    // once the successor itself was used, the original is no longer a harmless duplicate
    expectProblem(await refresh(s.refreshToken), 401, 'unauthenticated');
    expectProblem(await refresh(SessionResponseSchema.parse(next.body).refreshToken), 401, 'unauthenticated');
  });

  it('ends access tokens at once on sign-out everywhere, password change, role change and ban', async () => {
    const root = await h.register('root2@example.org');
    await h.db.query(`update users set role = 'admin' where id = $1`, [root.user.id]);
    const admin = SessionResponseSchema.parse(
      (await h.call('POST', '/api/auth/refresh', { body: { refreshToken: root.refreshToken } })).body,
    ).accessToken;
    const signIn = async (email: string, password = 'correct horse battery') =>
      SessionResponseSchema.parse(
        (await h.call('POST', '/api/auth/sign-in', { body: { email, password } })).body,
      );
    const me = (token: string) => h.call('GET', '/api/me', { token });

    // sign-out everywhere: every access token of the user, on any device, at once
    const grace = await h.register('grace@example.org');
    const other = await signIn('grace@example.org');
    expect((await me(other.accessToken)).status).toBe(200);
    expect((await h.call('POST', '/api/auth/sign-out-everywhere', { token: grace.accessToken })).status).toBe(
      204,
    );
    expectProblem(await me(other.accessToken), 401, 'token_expired');
    expectProblem(await me(grace.accessToken), 401, 'token_expired');
    expectProblem(
      await h.call('POST', '/api/auth/refresh', { body: { refreshToken: other.refreshToken } }),
      401,
      'unauthenticated',
    );
    // a new sign-in works again
    expect((await me((await signIn('grace@example.org')).accessToken)).status).toBe(200);

    // a password change ends the tokens issued before it
    const heidi = await h.register('heidi@example.org');
    const phone = await signIn('heidi@example.org');
    const changed = await h.call('PATCH', '/api/me', {
      token: heidi.accessToken,
      body: { password: { current: 'correct horse battery', next: 'a brand new passphrase' } },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expectProblem(await me(phone.accessToken), 401, 'token_expired');
    expect((await me((await signIn('heidi@example.org', 'a brand new passphrase')).accessToken)).status).toBe(
      200,
    );

    // a role change ends tokens carrying the old role; the session refreshes into the new one
    const ivan = await h.register('ivan@example.org');
    expectProblem(
      await h.call('POST', '/api/courses', { token: ivan.accessToken, body: { title: 'Nope' } }),
      403,
      'forbidden',
    );
    const promoted = await h.call('PUT', `/api/users/${ivan.user.id}/role`, {
      token: admin,
      body: { role: 'instructor' },
    });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expectProblem(await me(ivan.accessToken), 401, 'token_expired');
    const refreshed = SessionResponseSchema.parse(
      (await h.call('POST', '/api/auth/refresh', { body: { refreshToken: ivan.refreshToken } })).body,
    );
    expect(refreshed.user.role).toBe('instructor');
    expect((await me(refreshed.accessToken)).status).toBe(200);
    // demoted again: the instructor token stops at once
    await h.call('PUT', `/api/users/${ivan.user.id}/role`, { token: admin, body: { role: 'learner' } });
    expectProblem(
      await h.call('POST', '/api/courses', {
        token: refreshed.accessToken,
        body: { title: 'Sneaky', price: { kind: 'free', amount: 0, currency: 'usd' } },
      }),
      401,
      'token_expired',
    );

    // a ban: tokens, refresh and sign-in stop at once; only admins ban; lifting it lets them back
    const judy = await h.register('judy@example.org');
    expectProblem(
      await h.call('POST', `/api/users/${judy.user.id}/ban`, { token: grace.accessToken }),
      401,
      'token_expired',
    );
    const someone = await signIn('grace@example.org');
    expectProblem(
      await h.call('POST', `/api/users/${judy.user.id}/ban`, { token: someone.accessToken }),
      403,
      'forbidden',
    );
    expectProblem(await h.call('POST', `/api/users/${root.user.id}/ban`, { token: admin }), 409, 'conflict');
    expectProblem(
      await h.call('POST', '/api/users/00000000-0000-4000-8000-000000000000/ban', { token: admin }),
      404,
      'not_found',
    );
    expect((await me(judy.accessToken)).status).toBe(200);
    expect((await h.call('POST', `/api/users/${judy.user.id}/ban`, { token: admin })).status).toBe(204);
    // the ban bumped the generation: the client refreshes, and that is refused
    expectProblem(await me(judy.accessToken), 401, 'token_expired');
    expectProblem(
      await h.call('POST', '/api/auth/refresh', { body: { refreshToken: judy.refreshToken } }),
      401,
      'unauthenticated',
    );
    expectProblem(
      await h.call('POST', '/api/auth/sign-in', {
        body: { email: 'judy@example.org', password: 'correct horse battery' },
      }),
      403,
      'forbidden',
    );
    expectProblem(
      await h.call('POST', '/api/users/00000000-0000-4000-8000-000000000000/unban', { token: admin }),
      404,
      'not_found',
    );
    expect((await h.call('POST', `/api/users/${judy.user.id}/unban`, { token: admin })).status).toBe(204);
    // lifting the ban revives no old token
    expectProblem(await me(judy.accessToken), 401, 'token_expired');
    expect((await me((await signIn('judy@example.org')).accessToken)).status).toBe(200);

    // each of those told the user's realtime sockets why, then cut them (unban and sign-in: not)
    const cuts = (userId: string) => ({
      told: h.published
        .filter((p) => p.event === 'auth:revoked' && p.rooms.includes(userRoom(userId)))
        .map((p) => p.payload),
      cut: h.disconnected.filter((rooms) => rooms.includes(userRoom(userId))).length,
    });
    expect(cuts(grace.user.id)).toEqual({ told: [{ reason: 'signed_out_everywhere' }], cut: 1 });
    expect(cuts(heidi.user.id)).toEqual({ told: [{ reason: 'password_changed' }], cut: 1 });
    expect(cuts(ivan.user.id)).toEqual({
      told: [{ reason: 'role_changed' }, { reason: 'role_changed' }],
      cut: 2,
    });
    expect(cuts(judy.user.id)).toEqual({ told: [{ reason: 'suspended' }], cut: 1 });
    expect(cuts(root.user.id)).toEqual({ told: [], cut: 0 });
  });

  it('signs out one session, or every session', async () => {
    const a = await h.register('dave@example.org');
    const signIn = async () =>
      SessionResponseSchema.parse(
        (
          await h.call('POST', '/api/auth/sign-in', {
            body: { email: 'dave@example.org', password: 'correct horse battery' },
          })
        ).body,
      );
    const b = await signIn();
    expect(
      (await h.call('POST', '/api/auth/sign-out', { body: { refreshToken: a.refreshToken } })).status,
    ).toBe(204);
    expect(
      (await h.call('POST', '/api/auth/refresh', { body: { refreshToken: a.refreshToken } })).status,
    ).toBe(401);
    expect(
      (await h.call('POST', '/api/auth/refresh', { body: { refreshToken: b.refreshToken } })).status,
    ).toBe(200);
    const c = await signIn();
    const d = await signIn();
    expect((await h.call('POST', '/api/auth/sign-out-everywhere', { token: c.accessToken })).status).toBe(
      204,
    );
    for (const s of [c, d]) {
      expect(
        (await h.call('POST', '/api/auth/refresh', { body: { refreshToken: s.refreshToken } })).status,
      ).toBe(401);
    }
  });

  it('locks an account after repeated failures, even for the right password', async () => {
    await h.register('eve@example.org');
    const attempt = (password: string) =>
      h.call('POST', '/api/auth/sign-in', { body: { email: 'eve@example.org', password } });
    for (let i = 0; i < 3; i++) expectProblem(await attempt('wrong password!'), 401, 'unauthenticated');
    expectProblem(await attempt('correct horse battery'), 429, 'rate_limited');
    // unknown accounts answer like known ones
    expectProblem(
      await h.call('POST', '/api/auth/sign-in', {
        body: { email: 'nobody@example.org', password: 'whatever!!' },
      }),
      401,
      'unauthenticated',
    );
  });

  it('refuses forged, expired, alg:none and wrong-kind tokens', async () => {
    const s = await h.register('frank@example.org');
    const claims = { typ: 'access', sub: s.user.id, role: 'admin', name: 'x' };
    const forged = jwt.sign(claims, 'another-secret-that-is-long-enough-000000', { expiresIn: 60 });
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 60 }),
    ).toString('base64url')}.`;
    const roomKind = jwt.sign({ ...claims, typ: 'room' }, TEST_JWT_SECRET, { expiresIn: 60 });
    expectProblem(await h.call('GET', '/api/me', { token: forged }), 401, 'unauthenticated');
    expectProblem(await h.call('GET', '/api/me', { token: expired }), 401, 'token_expired');
    expectProblem(await h.call('GET', '/api/me', { token: none }), 401, 'unauthenticated');
    expectProblem(await h.call('GET', '/api/me', { token: roomKind }), 401, 'unauthenticated');
    expectProblem(
      await h.call('GET', '/api/me', { headers: { authorization: 'Basic abc' } }),
      401,
      'unauthenticated',
    );
  });

  it('answers bad bodies with problems and changes nothing', async () => {
    const count = async () =>
      Number((await h.db.query<{ n: number }>('select count(*)::int as n from users')).rows[0]!.n);
    const before = await count();
    const cases: Array<[unknown, number, string]> = [
      [{ raw: '{"email": "x@example.org", "password": ' }, 400, 'bad_request'],
      [
        { body: { email: 'g@example.org', password: 'long enough pw', displayName: 'G', admin: true } },
        400,
        'validation_failed',
      ],
      [
        { body: { email: 'g@example.org', password: 12345678901, displayName: 'G' } },
        400,
        'validation_failed',
      ],
      [
        { body: { email: 'g@example.org', password: 'long enough pw', displayName: 'G', role: 'admin' } },
        400,
        'validation_failed',
      ],
      [
        { body: { email: 'g@example.org', password: 'x'.repeat(5000), displayName: 'G' } },
        413,
        'payload_too_large',
      ],
      [{ raw: 'email=g@example.org', headers: { 'content-type': 'text/plain' } }, 400, 'bad_request'],
    ];
    for (const [options, status, code] of cases) {
      expectProblem(await h.call('POST', '/api/auth/register', options as never), status, code);
    }
    expect(await count()).toBe(before);
  });

  it('serves an OpenAPI document generated from the schemas, and a page to browse it', async () => {
    const doc = await h.call('GET', '/api/openapi.json');
    expect(doc.status).toBe(200);
    const spec = doc.body as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    expect(spec.openapi).toBe('3.1.0');
    for (const path of [
      '/api/auth/register',
      '/api/auth/refresh',
      '/api/courses',
      '/api/courses/{id}',
      '/api/lessons/{id}/progress',
      '/api/rooms/{room}/token',
    ]) {
      expect(spec.paths, path).toHaveProperty([path]);
    }
    expect(spec.paths['/api/me']!.get!.security).toEqual([{ bearer: [] }]);
    const page = await fetch(`${h.url}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/api/openapi.json');
    expect(html).not.toMatch(/https?:\/\//); // no CDN: the page works offline
    const bundle = await fetch(`${h.url}/api/docs/assets/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });

  it('answers unknown routes and wrong methods with problems', async () => {
    expectProblem(await h.call('GET', '/api/nothing-here'), 404, 'not_found');
  });

  it('issues course room tokens by entitlement', async () => {
    const teacher = await h.register('teach@example.org', 'instructor');
    const learner = await h.register('learn@example.org');
    const stranger = await h.register('stranger@example.org');
    const { rows } = await h.db.query<{ id: string }>(
      `insert into courses (instructor_id, title, status) values ($1, 'Rooms 101', 'published') returning id`,
      [teacher.user.id],
    );
    const courseId = rows[0]!.id;
    await h.db.query(`insert into enrollments (user_id, course_id, source) values ($1, $2, 'free')`, [
      learner.user.id,
      courseId,
    ]);
    const tokenFor = (s: SessionResponse, room = `course:${courseId}`) =>
      h.call('POST', `/api/rooms/${room}/token`, { token: s.accessToken });
    const mine = await tokenFor(learner);
    expect(mine.body).toMatchObject({ room: `course:${courseId}`, role: 'member' });
    const claims = verifyRoomToken((mine.body as { token: string }).token, TEST_JWT_SECRET);
    expect(claims).toMatchObject({ sub: learner.user.id, kind: 'course', role: 'member', gen: 0 });
    expect((await tokenFor(teacher)).body).toMatchObject({ role: 'moderator' });
    // Room tokens carry the access token's generation (the media service cuts older ones).
    expect(
      (await h.call('POST', '/api/auth/sign-out-everywhere', { token: learner.accessToken })).status,
    ).toBe(204);
    const again = SessionResponseSchema.parse(
      (
        await h.call('POST', '/api/auth/sign-in', {
          body: { email: 'learn@example.org', password: 'correct horse battery' },
        })
      ).body,
    );
    const fresh = await tokenFor(again);
    expect(verifyRoomToken((fresh.body as { token: string }).token, TEST_JWT_SECRET).gen).toBe(1);
    expectProblem(await tokenFor(learner), 401, 'token_expired');
    expectProblem(await tokenFor(stranger), 403, 'forbidden');
    expectProblem(await tokenFor(again, 'nope:abc'), 404, 'not_found');
    expectProblem(await tokenFor(again, 'course:not-a-uuid'), 404, 'not_found');
    // a kind the API issues no token for (direct messages)
    expectProblem(await tokenFor(again, `dm:${courseId}`), 404, 'not_found');
    expectProblem(await h.call('POST', `/api/rooms/course:${courseId}/token`), 401, 'unauthenticated');
  });
});

/** An instructor's published course with one module and the given lessons, through the API. */
async function publishedCourse(
  h: ReturnType<typeof harness>,
  teacher: SessionResponse,
  course: CreateCourseRequest,
  lessons: Array<{
    title: string;
    kind: 'video' | 'text' | 'quiz';
    durationSeconds?: number;
    body?: string;
  }> = [{ title: 'Welcome', kind: 'text', body: 'Hello' }],
) {
  const created = await h.call('POST', '/api/courses', { token: teacher.accessToken, body: course });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const { id } = CourseDetailSchema.parse(created.body);
  const mod = await h.call('POST', `/api/courses/${id}/modules`, {
    token: teacher.accessToken,
    body: { title: 'Part 1' },
  });
  const moduleId = (mod.body as { id: string }).id;
  const lessonIds: string[] = [];
  for (const lesson of lessons) {
    const res = await h.call('POST', `/api/modules/${moduleId}/lessons`, {
      token: teacher.accessToken,
      body: lesson,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    lessonIds.push((res.body as { id: string }).id);
  }
  expect((await h.call('POST', `/api/courses/${id}/publish`, { token: teacher.accessToken })).status).toBe(
    200,
  );
  return { id, moduleId, lessonIds };
}

describe.each(DATABASE_ADAPTERS)('courses and enrollments on %s', (_name, create) => {
  const h = harness(create);
  let teacher: SessionResponse;
  let rival: SessionResponse;
  let learner: SessionResponse;
  beforeAll(async () => {
    await h.start();
    teacher = await h.register('teacher@example.org', 'instructor');
    rival = await h.register('rival@example.org', 'instructor');
    learner = await h.register('learner@example.org');
  });
  afterAll(h.stop);

  it('lets instructors author an ordered outline and publish it', async () => {
    const created = await h.call('POST', '/api/courses', {
      token: teacher.accessToken,
      body: {
        title: 'Distributed Systems',
        summary: 'Consensus and clocks',
        domain: 'computing',
        price: { kind: 'one_time', amount: 4900, currency: 'eur' },
      },
    });
    expect(created.status).toBe(201);
    const course = CourseDetailSchema.parse(created.body);
    expect(course).toMatchObject({
      status: 'draft',
      access: 'instructor',
      price: { kind: 'one_time', amount: 4900 },
    });
    expectProblem(
      await h.call('POST', `/api/courses/${course.id}/publish`, { token: teacher.accessToken }),
      409,
      'conflict',
    );

    const m1 = (
      await h.call('POST', `/api/courses/${course.id}/modules`, {
        token: teacher.accessToken,
        body: { title: 'Clocks' },
      })
    ).body as { id: string };
    const m2 = (
      await h.call('POST', `/api/courses/${course.id}/modules`, {
        token: teacher.accessToken,
        body: { title: 'Consensus' },
      })
    ).body as { id: string };
    const lesson = async (moduleId: string, title: string) =>
      (
        (
          await h.call('POST', `/api/modules/${moduleId}/lessons`, {
            token: teacher.accessToken,
            body: { title, kind: 'video', durationSeconds: 600 },
          })
        ).body as { id: string }
      ).id;
    const a = await lesson(m1.id, 'Lamport');
    const b = await lesson(m1.id, 'Vector clocks');
    const c = await lesson(m2.id, 'Paxos');
    await h.call('PUT', `/api/courses/${course.id}/modules/order`, {
      token: teacher.accessToken,
      body: { ids: [m2.id, m1.id] },
    });
    await h.call('PUT', `/api/modules/${m1.id}/lessons/order`, {
      token: teacher.accessToken,
      body: { ids: [b, a] },
    });
    const moved = await h.call('PATCH', `/api/lessons/${c}`, {
      token: teacher.accessToken,
      body: { moduleId: m1.id, title: 'Paxos made simple' },
    });
    expect(moved.body).toMatchObject({ moduleId: m1.id, title: 'Paxos made simple' });
    expectProblem(
      await h.call('PUT', `/api/modules/${m1.id}/lessons/order`, {
        token: teacher.accessToken,
        body: { ids: [b, a] },
      }),
      400,
      'validation_failed',
    );
    expect(
      (await h.call('POST', `/api/courses/${course.id}/publish`, { token: teacher.accessToken })).status,
    ).toBe(200);

    const detail = CourseDetailSchema.parse((await h.call('GET', `/api/courses/${course.id}`)).body);
    expect(detail.status).toBe('published');
    expect(detail.access).toBe('none');
    expect(detail.modules.map((m) => [m.title, m.lessons.map((l) => l.title)])).toEqual([
      ['Consensus', []],
      ['Clocks', ['Vector clocks', 'Lamport', 'Paxos made simple']],
    ]);
    expect(detail.lessonCount).toBe(3);

    const archived = await h.call('POST', `/api/courses/${course.id}/archive`, {
      token: teacher.accessToken,
    });
    expect(archived.body).toMatchObject({ status: 'archived' });
    expectProblem(await h.call('GET', `/api/courses/${course.id}`), 404, 'not_found');
  });

  it('keeps other people out of authoring routes and drafts', async () => {
    const draft = CourseDetailSchema.parse(
      (await h.call('POST', '/api/courses', { token: teacher.accessToken, body: { title: 'Secret draft' } }))
        .body,
    );
    expectProblem(
      await h.call('GET', `/api/courses/${draft.id}`, { token: learner.accessToken }),
      404,
      'not_found',
    );
    expectProblem(
      await h.call('POST', '/api/courses', { token: learner.accessToken, body: { title: 'Mine now' } }),
      403,
      'forbidden',
    );
    expectProblem(
      await h.call('PATCH', `/api/courses/${draft.id}`, {
        token: rival.accessToken,
        body: { title: 'Stolen' },
      }),
      404,
      'not_found',
    );
    expectProblem(
      await h.call('POST', `/api/courses/${draft.id}/modules`, {
        token: rival.accessToken,
        body: { title: 'x' },
      }),
      404,
      'not_found',
    );
    const { rows } = await h.db.query<{ title: string }>('select title from courses where id = $1', [
      draft.id,
    ]);
    expect(rows[0]!.title).toBe('Secret draft');
  });

  it('refuses bad prices and unknown fields', async () => {
    const bad: unknown[] = [
      { title: 'Negative', price: { kind: 'one_time', amount: -100, currency: 'usd' } },
      { title: 'Fractional', price: { kind: 'one_time', amount: 9.99, currency: 'usd' } },
      { title: 'Free but paid', price: { kind: 'free', amount: 500, currency: 'usd' } },
      { title: 'Paid for nothing', price: { kind: 'subscription', amount: 0, currency: 'usd' } },
      { title: 'Odd currency', price: { kind: 'one_time', amount: 100, currency: 'dollars' } },
      { title: 'Extra', status: 'published' },
      { title: 42 },
    ];
    const count = async () =>
      (await h.db.query<{ n: number }>('select count(*)::int as n from courses')).rows[0]!.n;
    const before = await count();
    for (const body of bad) {
      expectProblem(
        await h.call('POST', '/api/courses', { token: teacher.accessToken, body }),
        400,
        'validation_failed',
      );
    }
    expect(await count()).toBe(before);
  });

  it('lists the catalog with filters, full-text search and stable cursors', async () => {
    const titles = [
      'Intro to Rust',
      'Rust for Web Services',
      'Watercolor Basics',
      'Advanced Rust Macros',
      'Spanish for Travellers',
    ];
    for (const [i, title] of titles.entries()) {
      await publishedCourse(h, rival, {
        title,
        summary: `${title}, learned by doing`,
        domain: title.includes('Rust') ? 'programming' : 'arts',
        language: i === 4 ? 'es' : 'en',
        price:
          i % 2
            ? { kind: 'one_time', amount: 1000 * i, currency: 'usd' }
            : { kind: 'free', amount: 0, currency: 'usd' },
      });
    }
    const page = async (query: string) => {
      const res = await h.call('GET', `/api/courses?${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return CoursePageSchema.parse(res.body);
    };
    const all = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const p: { items: Array<{ title: string }>; nextCursor: string | null } = await page(
          `${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...p.items.map((c) => c.title));
        cursor = p.nextCursor;
      } while (cursor);
      return seen;
    };
    const rust = await all('q=rust');
    expect(rust.sort()).toEqual(['Advanced Rust Macros', 'Intro to Rust', 'Rust for Web Services']);
    expect(await all('domain=arts')).toEqual(['Spanish for Travellers', 'Watercolor Basics']);
    expect((await page('language=es')).items.map((c) => c.title)).toEqual(['Spanish for Travellers']);
    expect(await all('pricing=free&domain=programming')).toEqual(['Intro to Rust']);
    expect(await all('maxPrice=1000&domain=programming&pricing=one_time')).toEqual(['Rust for Web Services']);
    // no duplicates or gaps when walking every page
    const everything = await all('');
    expect(new Set(everything).size).toBe(everything.length);
    expect(everything).toEqual(expect.arrayContaining(titles));
    expectProblem(await h.call('GET', '/api/courses?cursor=garbage'), 400, 'bad_request');
    expectProblem(await h.call('GET', '/api/courses?limit=1000'), 400, 'validation_failed');
    expectProblem(await h.call('GET', '/api/courses?maxPrice=-1'), 400, 'validation_failed');
  });

  it('enrolls in free courses once, refuses paid ones, and lists my learning', async () => {
    const free = await publishedCourse(h, teacher, {
      title: 'Free Knitting',
      price: { kind: 'free', amount: 0, currency: 'usd' },
    });
    const paid = await publishedCourse(h, teacher, {
      title: 'Paid Knitting',
      price: { kind: 'one_time', amount: 2500, currency: 'usd' },
    });
    const enroll = (id: string, s = learner) =>
      h.call('POST', `/api/courses/${id}/enrollment`, { token: s.accessToken });
    expect((await enroll(free.id)).status).toBe(201);
    expectProblem(await enroll(free.id), 409, 'conflict');
    expectProblem(await enroll(paid.id), 403, 'forbidden');
    expectProblem(await enroll(free.id, teacher), 409, 'conflict');
    expectProblem(await enroll('00000000-0000-4000-8000-000000000000'), 404, 'not_found');

    // payments grant and revoke through the exported functions
    expect(await grantEnrollment(h.db, learner.user.id, paid.id, 'purchase')).toBe(true);
    expect(await grantEnrollment(h.db, learner.user.id, paid.id, 'purchase')).toBe(false);
    const mine = MyLearningSchema.parse(
      (await h.call('GET', '/api/me/learning', { token: learner.accessToken })).body,
    );
    expect(mine.items.map((i) => i.course.title).sort()).toEqual(['Free Knitting', 'Paid Knitting']);
    expect(await courseAccess(h.db, { id: learner.user.id, role: 'learner' }, paid.id)).toBe('learner');
    expect(await revokeEnrollment(h.db, learner.user.id, paid.id, { onlySource: 'subscription' })).toBe(
      false,
    );
    expect(await revokeEnrollment(h.db, learner.user.id, paid.id)).toBe(true);
    expect(await courseAccess(h.db, { id: learner.user.id, role: 'learner' }, paid.id)).toBe('none');
    const after = MyLearningSchema.parse(
      (await h.call('GET', '/api/me/learning', { token: learner.accessToken })).body,
    );
    expect(after.items.map((i) => i.course.title)).toEqual(['Free Knitting']);
    // the learner now sees lesson bodies of the free course
    const detail = CourseDetailSchema.parse(
      (await h.call('GET', `/api/courses/${free.id}`, { token: learner.accessToken })).body,
    );
    expect(detail.access).toBe('learner');
    expect(detail.modules[0]!.lessons[0]!.body).toBe('Hello');
  });
});

describe.each(DATABASE_ADAPTERS)('progress on %s', (_name, create) => {
  const h = harness(create);
  let teacher: SessionResponse;
  let learner: SessionResponse;
  let outsider: SessionResponse;
  let course: Awaited<ReturnType<typeof publishedCourse>>;
  beforeAll(async () => {
    await h.start();
    teacher = await h.register('teacher@example.org', 'instructor');
    learner = await h.register('learner@example.org');
    outsider = await h.register('outsider@example.org');
    course = await publishedCourse(h, teacher, { title: 'Progress course' }, [
      { title: 'Video', kind: 'video', durationSeconds: 100 },
      { title: 'Reading', kind: 'text', body: 'Read me' },
    ]);
    expect(
      (await h.call('POST', `/api/courses/${course.id}/enrollment`, { token: learner.accessToken })).status,
    ).toBe(201);
  });
  afterAll(h.stop);

  const report = (lessonId: string, body: unknown, s?: SessionResponse) =>
    h.call('PUT', `/api/lessons/${lessonId}/progress`, { token: (s ?? learner).accessToken, body });

  it('counts unique seconds, resumes, completes at 95% and publishes each update', async () => {
    const [video, text] = course.lessonIds as [string, string];
    h.published.length = 0;
    let res = await report(video, { positionSeconds: 50, watched: [[0, 50]] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(ProgressUpdatedEventSchema.parse(res.body).lesson).toMatchObject({
      watchedSeconds: 50,
      completed: false,
      positionSeconds: 50,
    });
    // rewatching counts nothing; seeking to the end is not watching it
    res = await report(video, {
      positionSeconds: 99,
      watched: [
        [10, 40],
        [98, 99],
      ],
    });
    expect(ProgressUpdatedEventSchema.parse(res.body).lesson).toMatchObject({
      watchedSeconds: 51,
      completed: false,
    });
    res = await report(video, { positionSeconds: 95, watched: [[50, 94]] });
    let event = ProgressUpdatedEventSchema.parse(res.body);
    expect(event.lesson).toMatchObject({ watchedSeconds: 95, completed: true, positionSeconds: 95 });
    expect(event.coursePercent).toBe(50);

    expectProblem(await report(video, { positionSeconds: 1, done: true }), 400, 'validation_failed');
    res = await report(text, { positionSeconds: 0, done: true });
    event = ProgressUpdatedEventSchema.parse(res.body);
    expect(event.lesson.completed).toBe(true);
    expect(event.coursePercent).toBe(100);

    expect(h.published).toHaveLength(4);
    expect(h.published[0]).toMatchObject({
      rooms: [`user:${learner.user.id}`, `course-staff:${course.id}`],
      event: 'progress:updated',
    });
    expect(ProgressUpdatedEventSchema.parse(h.published[3]!.payload).coursePercent).toBe(100);

    const progress = CourseProgressSchema.parse(
      (await h.call('GET', `/api/courses/${course.id}/progress`, { token: learner.accessToken })).body,
    );
    expect(progress).toMatchObject({ percent: 100, completedLessons: 2, totalLessons: 2 });
    const learning = MyLearningSchema.parse(
      (await h.call('GET', '/api/me/learning', { token: learner.accessToken })).body,
    );
    expect(learning.items[0]).toMatchObject({ progressPercent: 100, completedLessons: 2 });
  });

  it('keeps people out of lessons they are not enrolled in and refuses bad reports', async () => {
    const [video] = course.lessonIds as [string];
    expectProblem(await report(video, { positionSeconds: 1, watched: [[0, 1]] }, outsider), 403, 'forbidden');
    expectProblem(
      await h.call('GET', `/api/courses/${course.id}/progress`, { token: outsider.accessToken }),
      403,
      'forbidden',
    );
    expectProblem(
      await report('00000000-0000-4000-8000-000000000000', { positionSeconds: 1 }),
      404,
      'not_found',
    );
    const { rows } = await h.db.query<{ watched_seconds: number }>(
      'select watched_seconds from lesson_progress where user_id = $1 and lesson_id = $2',
      [learner.user.id, video],
    );
    const before = rows[0]!.watched_seconds;
    for (const body of [
      { positionSeconds: -1 },
      { positionSeconds: 1, watched: [[20, 10]] },
      { positionSeconds: 1, watched: [[0, 'x']] },
      { positionSeconds: 1, extra: true },
      { positionSeconds: '1' },
    ]) {
      expectProblem(await report(video, body), 400, 'validation_failed');
    }
    const after = await h.db.query<{ watched_seconds: number }>(
      'select watched_seconds from lesson_progress where user_id = $1 and lesson_id = $2',
      [learner.user.id, video],
    );
    expect(after.rows[0]!.watched_seconds).toBe(before);
  });

  it('merges concurrent reports from two devices without losing spans', async () => {
    const other = await publishedCourse(h, teacher, { title: 'Concurrent' }, [
      { title: 'Long video', kind: 'video', durationSeconds: 1000 },
    ]);
    await h.call('POST', `/api/courses/${other.id}/enrollment`, { token: learner.accessToken });
    const lesson = other.lessonIds[0]!;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        report(lesson, { positionSeconds: i * 10 + 10, watched: [[i * 10, i * 10 + 10]] }),
      ),
    );
    const progress = CourseProgressSchema.parse(
      (await h.call('GET', `/api/courses/${other.id}/progress`, { token: learner.accessToken })).body,
    );
    expect(progress.lessons[0]!.watchedSeconds).toBe(100);
  });
});
