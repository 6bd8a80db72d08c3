import Stripe from 'stripe';
import { signToken, type Db } from '@learnlive/common';
import type { UserRole } from '@learnlive/contracts';
import {
  TEST_JWT_SECRET,
  startStripeFake,
  testLogger,
  type StripeFake,
  type TestDatabase,
} from '@learnlive/testing';
import { startApi, type ApiService } from '../service.js';
import { callApi, testApiConfig, type CallOptions } from '../call.test-support.js';

export type { Answer } from '../call.test-support.js';

/** Shared by the API suites (payments, scheduling, locale, search): the real API on port 0, the Stripe fake beside it. */
export const WEBHOOK_SECRET = 'whsec_test_0123456789abcdef';

export interface TestUser {
  id: string;
  token: string;
  name: string;
}

export function apiHarness(create: () => Promise<TestDatabase>, env: Record<string, string> = {}) {
  let database: TestDatabase;
  let api: ApiService;
  let fake: StripeFake;
  let counter = 0;
  const h = {
    url: '',
    get db(): Db {
      return database.db;
    },
    get stripe(): StripeFake {
      return fake;
    },
    /** A real signature over `payload` (Stripe's own test helper); `timestamp` in seconds. */
    sign(payload: string, options: { timestamp?: number; secret?: string } = {}): string {
      return Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret ?? WEBHOOK_SECRET,
        ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
      });
    },
    async start() {
      database = await create();
      fake = await startStripeFake({ sign: (payload) => h.sign(payload) });
      api = await startApi(
        testApiConfig(database.url, {
          PUBLIC_URL: 'http://localhost:5173',
          STRIPE_SECRET_KEY: 'sk_test_fake0123',
          STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
          STRIPE_API_URL: fake.url,
          ...env,
        }),
        testLogger('api'),
        { db: database.db },
      );
      h.url = `http://127.0.0.1:${api.port}`;
      fake.webhookUrl = `${h.url}/api/payments/webhook`;
    },
    async stop() {
      await api?.close();
      await fake?.close();
      await database?.drop();
    },
    call: (method: string, path: string, options?: CallOptions) => callApi(h.url, method, path, options),
    /** A user row and an access token for it (accounts are the auth suite's business). */
    async user(role: UserRole = 'learner', name?: string): Promise<TestUser> {
      counter += 1;
      const displayName = name ?? `${role}${counter}`;
      const { rows } = await database.db.query<{ id: string }>(
        `insert into users (email, display_name, password_hash, role) values ($1, $2, 'x', $3) returning id`,
        [`${displayName}.${counter}.${Date.now()}@example.org`, displayName, role],
      );
      const id = rows[0]!.id;
      const token = signToken({ typ: 'access', sub: id, role, name: displayName }, TEST_JWT_SECRET, 600);
      return { id, token, name: displayName };
    },
    async course(
      instructorId: string,
      price: { pricing: 'free' | 'one_time' | 'subscription'; amount: number } = {
        pricing: 'one_time',
        amount: 4900,
      },
    ): Promise<string> {
      const { rows } = await database.db.query<{ id: string }>(
        `insert into courses (instructor_id, title, pricing, price_amount, currency, status, published_at)
           values ($1, $2, $3, $4, 'eur', 'published', now()) returning id`,
        [instructorId, `Course ${++counter}`, price.pricing, price.amount],
      );
      return rows[0]!.id;
    },
    async enrollment(userId: string, courseId: string): Promise<string | undefined> {
      const { rows } = await database.db.query<{ status: string }>(
        'select status from enrollments where user_id = $1 and course_id = $2',
        [userId, courseId],
      );
      return rows[0]?.status;
    },
    async enroll(userId: string, courseId: string): Promise<void> {
      await database.db.query(
        `insert into enrollments (user_id, course_id, source) values ($1, $2, 'admin')`,
        [userId, courseId],
      );
    },
    /**
     * The cast of the scheduling suites: an instructor's free published course, a learner enrolled
     * in it, a learner who is not, an admin.
     */
    async classroom() {
      const instructor = await h.user('instructor');
      const learner = await h.user('learner');
      const outsider = await h.user('learner');
      const admin = await h.user('admin');
      const courseId = await h.course(instructor.id, { pricing: 'free', amount: 0 });
      await h.enroll(learner.id, courseId);
      return { instructor, learner, outsider, admin, courseId };
    },
  };
  return h;
}
