import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema, SessionResponseSchema, UserSchema } from '@learnlive/contracts';
import { DATABASE_ADAPTERS } from '@learnlive/testing';
import { apiHarness } from '../payments/harness.test-support.js';

describe.each(DATABASE_ADAPTERS)('user locale on %s', (_name, create) => {
  const h = apiHarness(create);
  beforeAll(h.start);
  afterAll(h.stop);

  let counter = 0;
  async function register(headers: Record<string, string>, locale?: string) {
    counter += 1;
    const res = await h.call('POST', '/api/auth/register', {
      headers,
      body: {
        email: `locale${counter}@example.org`,
        password: 'correct horse battery',
        displayName: `Locale ${counter}`,
        ...(locale ? { locale } : {}),
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return SessionResponseSchema.parse(res.body);
  }

  it('takes the sign-up Accept-Language, else French', async () => {
    expect((await register({ 'accept-language': 'en-GB,en;q=0.9,fr;q=0.8' })).user.locale).toBe('en');
    expect((await register({ 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' })).user.locale).toBe('fr');
    expect((await register({ 'accept-language': 'de-DE,de;q=0.9' })).user.locale).toBe('fr');
    expect((await register({})).user.locale).toBe('fr');
    // an explicit choice wins over the browser's header
    expect((await register({ 'accept-language': 'fr' }, 'en')).user.locale).toBe('en');
  });

  it('is returned by /api/me and changed through the profile, validated', async () => {
    const session = await register({ 'accept-language': 'en' });
    const token = session.accessToken;
    const me = await h.call('GET', '/api/me', { token });
    expect(UserSchema.parse(me.body).locale).toBe('en');

    const changed = await h.call('PATCH', '/api/me', { token, body: { locale: 'fr' } });
    expect(changed.status).toBe(200);
    expect(UserSchema.parse(changed.body)).toMatchObject({
      locale: 'fr',
      displayName: session.user.displayName,
    });
    expect(UserSchema.parse((await h.call('GET', '/api/me', { token })).body).locale).toBe('fr');

    for (const locale of ['de', 'FR', 'fr-FR', '', 7]) {
      const refused = await h.call('PATCH', '/api/me', { token, body: { locale } });
      expect(refused.status, JSON.stringify(locale)).toBe(400);
      const problem = ProblemSchema.parse(refused.body);
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors?.map((e) => e.path)).toContain('locale');
    }
    const badSignUp = await h.call('POST', '/api/auth/register', {
      body: {
        email: 'bad-locale@example.org',
        password: 'correct horse battery',
        displayName: 'X',
        locale: 'es',
      },
    });
    expect(badSignUp.status).toBe(400);
    expect(ProblemSchema.parse(badSignUp.body).errors?.map((e) => e.path)).toContain('locale');
  });
});
