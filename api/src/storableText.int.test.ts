import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CourseDetailSchema, ProblemSchema } from '@learnlive/contracts';
import { DATABASE_ADAPTERS } from '@learnlive/testing';
import type { Answer } from './call.test-support.js';
import { apiHarness } from './payments/harness.test-support.js';

function expectFieldRefused(res: Answer, path: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const problem = ProblemSchema.parse(res.body);
  expect(problem.code).toBe('validation_failed');
  expect(problem.errors?.map((e) => e.path)).toEqual([path]);
}

describe.each(DATABASE_ADAPTERS)('text no column can hold, on %s', (_name, create) => {
  const h = apiHarness(create);
  beforeAll(h.start);
  afterAll(h.stop);

  it('refuses NUL in a body field with a 400 naming it, on several routes', async () => {
    const teacher = await h.user('instructor');
    const token = teacher.token;
    expectFieldRefused(
      await h.call('POST', '/api/courses', { token, body: { title: 'Cours\u0000 1' } }),
      'title',
    );
    expectFieldRefused(
      await h.call('POST', '/api/courses', { token, body: { title: 'Cours 1', summary: '\u0000' } }),
      'summary',
    );
    expectFieldRefused(await h.call('PATCH', '/api/me', { token, body: { bio: 'a\u0000' } }), 'bio');
    expectFieldRefused(
      await h.call('POST', '/api/auth/register', {
        body: { email: 'nul@example.org', password: 'correct horse\u0000battery', displayName: 'Nul' },
      }),
      'password',
    );

    const course = await h.call('POST', '/api/courses', { token, body: { title: 'Cours 📷 valide' } });
    expect(course.status).toBe(201);
    const { id } = CourseDetailSchema.parse(course.body);
    expectFieldRefused(
      await h.call('POST', `/api/courses/${id}/modules`, { token, body: { title: 'Partie\u0000' } }),
      'title',
    );
    expectFieldRefused(
      await h.call('PATCH', `/api/courses/${id}`, {
        token,
        body: { price: { kind: 'free', amount: 0, currency: '\u0000' } },
      }),
      'price.currency',
    );
    // nothing was stored by the refused calls
    const detail = CourseDetailSchema.parse((await h.call('GET', `/api/courses/${id}`, { token })).body);
    expect(detail.title).toBe('Cours 📷 valide');
    expect(detail.modules).toEqual([]);
  });

  it('refuses unpaired surrogates (sent as JSON escapes) and NUL in query parameters', async () => {
    const { token } = await h.user('instructor');
    expectFieldRefused(
      await h.call('POST', '/api/courses', { token, raw: '{"title":"Cours","description":"x\\ud800y"}' }),
      'description',
    );
    expectFieldRefused(await h.call('GET', '/api/courses?domain=%00'), 'domain');
    expectFieldRefused(await h.call('GET', '/api/courses?q=photo%00'), 'q');
    expect((await h.call('GET', '/api/courses?q=%F0%9F%93%B7')).status).toBe(200);
  });
});
