import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CourseDetailSchema, SessionResponseSchema } from '@learnlive/contracts';
import { DATABASE_ADAPTERS } from '@learnlive/testing';
import { apiHarness } from '../payments/harness.test-support.js';

describe.each(DATABASE_ADAPTERS)('new course defaults on %s', (_name, create) => {
  const h = apiHarness(create);
  beforeAll(h.start);
  afterAll(h.stop);

  async function instructor(email: string, acceptLanguage?: string) {
    const res = await h.call('POST', '/api/auth/register', {
      headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {},
      body: { email, password: 'correct horse battery', displayName: 'Prof', role: 'instructor' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return SessionResponseSchema.parse(res.body).accessToken;
  }
  async function createCourse(token: string, body: Record<string, unknown>) {
    const res = await h.call('POST', '/api/courses', { token, body: { title: 'Un cours', ...body } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return CourseDetailSchema.parse(res.body);
  }

  it("takes language and currency from the instructor's locale", async () => {
    const fr = await instructor('prof.fr@example.org');
    const en = await instructor('prof.en@example.org', 'en-US,en;q=0.9');
    expect(await createCourse(fr, {})).toMatchObject({
      language: 'fr',
      price: { kind: 'free', amount: 0, currency: 'eur' },
    });
    // a French platform sells in euros whatever language the instructor reads
    expect(await createCourse(en, { price: { kind: 'one_time', amount: 4900 } })).toMatchObject({
      language: 'en',
      price: { kind: 'one_time', amount: 4900, currency: 'eur' },
    });

    const changed = await h.call('PATCH', '/api/me', { token: fr, body: { locale: 'en' } });
    expect(changed.status).toBe(200);
    expect((await createCourse(fr, {})).language).toBe('en');
  });

  it('lets explicit values in the request win, and keeps the currency an update does not name', async () => {
    const fr = await instructor('prof.explicit@example.org', 'fr');
    const course = await createCourse(fr, {
      language: 'de',
      price: { kind: 'one_time', amount: 1000, currency: 'chf' },
    });
    expect(course).toMatchObject({ language: 'de', price: { currency: 'chf', amount: 1000 } });

    const updated = await h.call('PATCH', `/api/courses/${course.id}`, {
      token: fr,
      body: { price: { kind: 'one_time', amount: 2000 } },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(CourseDetailSchema.parse(updated.body).price).toEqual({
      kind: 'one_time',
      amount: 2000,
      currency: 'chf',
    });
  });
});
