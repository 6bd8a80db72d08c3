import Stripe from 'stripe';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig, startApi, type ApiService } from '@learnlive/api';
import { signToken } from '@learnlive/common';
import type { UserRole } from '@learnlive/contracts';
import {
  TEST_JWT_SECRET,
  createPostgresDatabase,
  freePort,
  launchChromium,
  startStripeFake,
  testLogger,
  type StripeFake,
  type TestDatabase,
} from '@learnlive/testing';
import { E2E_CLIENT_DIST, signedInPage } from './support.js';

/*
 * Buying a course in Chromium: the course's checkout page, the Stripe fake's hosted page, back
 * to the success page once the signed webhook granted the course. The shared system of
 * globalSetup runs without Stripe (embedded defaults), so this file starts its own API with
 * the fake, serving the built client.
 */
const WEBHOOK_SECRET = 'whsec_e2e_0123456789';

describe('payments and scheduling in the browser', () => {
  let database: TestDatabase;
  let fake: StripeFake;
  let api: ApiService;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    fake = await startStripeFake({
      sign: (payload) => Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }),
    });
    // The success URL Stripe sends the browser back to names the API's public URL: fix the port first.
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = await startApi(
      loadApiConfig({
        JWT_SECRET: TEST_JWT_SECRET,
        API_PORT: String(port),
        API_HOST: '127.0.0.1',
        PUBLIC_URL: baseUrl,
        DATABASE_URL: database.url,
        CLIENT_DIST_DIR: E2E_CLIENT_DIST,
        LOG_LEVEL: 'silent',
        STRIPE_SECRET_KEY: 'sk_test_e2e0123',
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_URL: fake.url,
      }),
      testLogger('api'),
      { db: database.db },
    );
    fake.webhookUrl = `${baseUrl}/api/payments/webhook`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await fake?.close();
    await database?.drop();
  });

  async function user(role: UserRole, name: string) {
    const { rows } = await database.db.query<{ id: string }>(
      `insert into users (email, display_name, password_hash, role) values ($1, $2, 'x', $3) returning id`,
      [`${name.toLowerCase()}.${Date.now()}@example.org`, name, role],
    );
    const id = rows[0]!.id;
    return { id, role, name, token: signToken({ typ: 'access', sub: id, role, name }, TEST_JWT_SECRET, 600) };
  }

  /** A page signed in as `who` (the session the account pages would store after sign-in). */
  async function pageAs(who: Awaited<ReturnType<typeof user>>): Promise<Page> {
    return signedInPage(browser, baseUrl, {
      accessToken: who.token,
      user: { id: who.id, role: who.role, name: who.name },
    });
  }

  it('buys a course from its page through Checkout and lands on a confirmed success page', async () => {
    const instructor = await user('instructor', 'Ines');
    const learner = await user('learner', 'Leo');
    const { rows } = await database.db.query<{ id: string }>(
      `insert into courses (instructor_id, title, summary, pricing, price_amount, currency, status, published_at)
         values ($1, 'Rust for teachers', 'Ownership without tears', 'one_time', 3900, 'eur', 'published', now())
       returning id`,
      [instructor.id],
    );
    const courseId = rows[0]!.id;
    const page = await pageAs(learner);
    await page.goto(`${baseUrl}/courses/${courseId}`);
    await page.getByRole('heading', { name: 'Rust for teachers' }).waitFor();
    await page.getByTestId('buy-course').click();
    await page.waitForURL(`${fake.url}/checkout/**`);
    expect(await page.getByTestId('amount').textContent()).toBe('39.00 EUR');
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(`${baseUrl}/payments/success?session_id=*`);
    await page.locator('[data-testid="payment-status"][data-status="paid"]').waitFor();
    const enrolled = await database.db.query<{ status: string }>(
      'select status from enrollments where user_id = $1 and course_id = $2',
      [learner.id, courseId],
    );
    expect(enrolled.rows[0]?.status).toBe('active');

    await page.goto(`${baseUrl}/account/payments`);
    await expect.poll(() => page.getByTestId('payments').textContent()).toContain('paid');
    await page.close();
  });

  it('schedules a live class as the instructor; the learner sees it with a calendar file and a join link', async () => {
    const instructor = await user('instructor', 'Ida');
    const learner = await user('learner', 'Lia');
    const { rows } = await database.db.query<{ id: string }>(
      `insert into courses (instructor_id, title, pricing, price_amount, currency, status, published_at)
         values ($1, 'Live course', 'free', 0, 'usd', 'published', now()) returning id`,
      [instructor.id],
    );
    const courseId = rows[0]!.id;
    await database.db.query(`insert into enrollments (user_id, course_id, source) values ($1, $2, 'free')`, [
      learner.id,
      courseId,
    ]);

    const teacher = await pageAs(instructor);
    await teacher.goto(`${baseUrl}/teach/courses/${courseId}/live-classes`);
    const form = teacher.getByRole('form', { name: 'Schedule a live class' });
    await form.getByLabel('Title').fill('Borrow checker clinic');
    await form.getByLabel(/Starts/).fill('2031-03-04T18:30');
    await form.getByLabel('Duration (minutes)').fill('45');
    await form.getByRole('button', { name: 'Schedule' }).click();
    await teacher.getByTestId('live-class').filter({ hasText: 'Borrow checker clinic' }).waitFor();
    // the browser's local time, stored as UTC
    const expected = await teacher.evaluate(() => new Date('2031-03-04T18:30').toISOString());
    const stored = await database.db.query<{ starts_at: Date | string }>(
      'select starts_at from live_classes where course_id = $1',
      [courseId],
    );
    expect(new Date(stored.rows[0]!.starts_at).toISOString()).toBe(expected);
    await teacher.close();

    const page = await pageAs(learner);
    await page.goto(`${baseUrl}/sessions`);
    const item = page.getByTestId('upcoming-live-class').filter({ hasText: 'Borrow checker clinic' });
    await item.waitFor();
    const join = await item.getByRole('link', { name: 'Join' }).getAttribute('href');
    expect(join).toMatch(/^\/live\/[0-9a-f-]{36}$/);
    const icsHref = await item.getByRole('link', { name: /calendar/ }).getAttribute('href');
    const ics = await page.request.get(`${baseUrl}${icsHref}`);
    expect(ics.headers()['content-type']).toBe('text/calendar; charset=utf-8');
    const utc = expected.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    expect(await ics.text()).toContain(`DTSTART:${utc}\r\n`);
    await page.close();
  });

  it('lets a mentor publish a slot and a learner book it, then shows the session with its links', async () => {
    const mentor = await user('mentor', 'Mona');
    const learner = await user('learner', 'Luca');
    const mentorPage = await pageAs(mentor);
    await mentorPage.goto(`${baseUrl}/mentoring/availability`);
    const form = mentorPage.getByRole('form', { name: 'Publish a slot' });
    await form.getByLabel(/Starts/).fill('2031-05-06T09:00');
    await form.getByLabel('Length (minutes)').fill('45');
    await form.getByRole('button', { name: 'Publish slot' }).click();
    await mentorPage.getByTestId('slot').filter({ hasText: 'open' }).waitFor();
    await mentorPage.close();

    const page = await pageAs(learner);
    await page.goto(`${baseUrl}/mentoring`);
    await page.getByRole('link', { name: 'Mona' }).click();
    await page.getByTestId('open-slot').getByRole('button', { name: 'Book' }).click();
    await page.waitForURL(`${baseUrl}/sessions`);
    const booking = page.getByTestId('upcoming-booking').filter({ hasText: 'Mona' });
    await booking.waitFor();
    expect(await booking.getByRole('link', { name: 'Join' }).getAttribute('href')).toMatch(
      /^\/mentor\/[0-9a-f-]{36}$/,
    );
    const icsHref = await booking.getByRole('link', { name: /calendar/ }).getAttribute('href');
    const expected = await page.evaluate(() => new Date('2031-05-06T09:00').toISOString());
    const ics = await page.request.get(`${baseUrl}${icsHref}`);
    expect(await ics.text()).toContain(`DTSTART:${expected.replace(/[-:]/g, '').replace(/\.\d{3}/, '')}\r\n`);
    // the slot is gone from the mentor's open list
    await page.goto(`${baseUrl}/mentoring`);
    await page.getByText('No mentor has open slots right now.').waitFor();
    await page.close();
  });
});
