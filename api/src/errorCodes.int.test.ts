import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema, type ErrorCode } from '@learnlive/contracts';
import { DATABASE_ADAPTERS } from '@learnlive/testing';
import type { Answer } from './call.test-support.js';
import { apiHarness } from './payments/harness.test-support.js';

/**
 * Every way a request can fail answers problem+json with a `code` from ERROR_CODES (the list the
 * client translates), never a bare message.
 */
describe.each(DATABASE_ADAPTERS)('error answers on %s', (_name, create) => {
  const h = apiHarness(create, { API_BODY_LIMIT: '4096' });
  beforeAll(h.start);
  afterAll(h.stop);

  function expectCode(res: Answer, status: number, code: ErrorCode) {
    expect(res.status, res.text).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = ProblemSchema.parse(res.body);
    expect(problem.code).toBe(code);
    expect(problem.detail.length).toBeGreaterThan(0);
  }

  it('gives each failure a stable code', async () => {
    const learner = await h.user('learner');
    const instructor = await h.user('instructor');
    const missing = '00000000-0000-4000-8000-000000000000';
    expectCode(await h.call('GET', '/api/no-such-route'), 404, 'not_found');
    expectCode(await h.call('DELETE', '/api/courses'), 404, 'not_found');
    expectCode(await h.call('GET', `/api/courses/${missing}`), 404, 'not_found');
    expectCode(await h.call('GET', '/api/courses/not-a-uuid'), 400, 'validation_failed');
    expectCode(await h.call('GET', '/api/courses?limit=0'), 400, 'validation_failed');
    expectCode(await h.call('GET', '/api/courses?cursor=garbage'), 400, 'bad_request');
    expectCode(await h.call('GET', '/api/courses?unknown=1'), 400, 'validation_failed');
    expectCode(await h.call('GET', '/api/me'), 401, 'unauthenticated');
    expectCode(await h.call('GET', '/api/me', { token: 'not.a.jwt' }), 401, 'unauthenticated');
    const token = instructor.token;
    expectCode(await h.call('POST', '/api/courses', { token, raw: '{"title":' }), 400, 'bad_request');
    expectCode(
      await h.call('POST', '/api/courses', {
        token,
        raw: 'title=x',
        headers: { 'content-type': 'text/plain' },
      }),
      400,
      'bad_request',
    );
    expectCode(
      await h.call('POST', '/api/courses', { token, body: { title: 'x'.repeat(5000) } }),
      413,
      'payload_too_large',
    );
    expectCode(
      await h.call('POST', '/api/courses', { token, body: { title: 'Cours', extra: 1 } }),
      400,
      'validation_failed',
    );
    expectCode(
      await h.call('POST', '/api/courses', { token: learner.token, body: { title: 'Cours' } }),
      403,
      'forbidden',
    );
    expectCode(
      await h.call('PATCH', '/api/me', { token, body: { displayName: 'a\u0000' } }),
      400,
      'validation_failed',
    );
  });
});
