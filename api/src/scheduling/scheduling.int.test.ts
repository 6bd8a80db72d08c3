import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRoomToken } from '@learnlive/common';
import { DATABASE_ADAPTERS, TEST_JWT_SECRET } from '@learnlive/testing';
import { apiHarness, type TestUser } from '../payments/harness.test-support.js';
import { icsUtc } from './ics.js';

const HOUR = 3600_000;
const inHours = (h: number) => new Date(Date.now() + h * HOUR);

describe.each(DATABASE_ADAPTERS)('scheduling on %s', (_name, create) => {
  const h = apiHarness(create, { BOOKING_CHANGE_MIN_HOURS: '24' });
  let instructor: TestUser;
  let learner: TestUser;
  let outsider: TestUser;
  let admin: TestUser;
  let courseId: string;
  beforeAll(async () => {
    await h.start();
    ({ instructor, learner, outsider, admin, courseId } = await h.classroom());
  });
  afterAll(() => h.stop());

  const roomToken = (user: TestUser, room: string) =>
    h.call('POST', `/api/rooms/${room}/token`, { token: user.token });

  async function slot(mentor: TestUser, startHours: number, lengthHours = 1) {
    const res = await h.call('POST', '/api/mentor/slots', {
      token: mentor.token,
      body: {
        startsAt: inHours(startHours).toISOString(),
        endsAt: inHours(startHours + lengthHours).toISOString(),
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; startsAt: string };
  }

  it('documents the payment and scheduling routes in the OpenAPI document', async () => {
    const doc = await h.call('GET', '/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/payments/checkout',
        '/api/payments/webhook',
        '/api/admin/payments/{id}/refund',
        '/api/courses/{courseId}/live-classes',
        '/api/bookings/{id}/reschedule',
        '/api/bookings/{id}/calendar.ics',
      ]),
    );
  });

  describe('live classes', () => {
    it('lets the instructor schedule, edit and cancel; enrolled learners see upcoming ones with a calendar file', async () => {
      // given with an offset; stored and answered in UTC
      const start = new Date(Math.ceil(inHours(48).getTime() / 60_000) * 60_000);
      const local = new Date(start.getTime() + 2 * HOUR).toISOString().replace('Z', '+02:00');
      const created = await h.call('POST', `/api/courses/${courseId}/live-classes`, {
        token: instructor.token,
        body: { title: 'Office hours, week 1', startsAt: local, durationMinutes: 90 },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const live = created.body;
      expect(live).toMatchObject({
        startsAt: start.toISOString(),
        durationMinutes: 90,
        status: 'scheduled',
        joinPath: `/live/${live.id}`,
      });

      const list = await h.call('GET', `/api/courses/${courseId}/live-classes`, { token: learner.token });
      expect(list.body.items.map((i: { id: string }) => i.id)).toContain(live.id);
      const mine = await h.call('GET', '/api/live-classes/me', { token: learner.token });
      expect(mine.body.items.map((i: { id: string }) => i.id)).toContain(live.id);
      // a published course is visible to all, its classes only to the people in it
      expect(
        (await h.call('GET', `/api/courses/${courseId}/live-classes`, { token: outsider.token })).status,
      ).toBe(403);
      expect((await h.call('GET', `/api/live-classes/${live.id}`, { token: outsider.token })).status).toBe(
        404,
      );

      const [learnerView] = list.body.items.filter((i: { id: string }) => i.id === live.id);
      const ics = await h.call('GET', learnerView.icsUrl);
      expect(ics.status).toBe(200);
      expect(ics.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
      const lines = ics.text.split('\r\n');
      expect(lines).toContain(`DTSTART:${icsUtc(start)}`);
      expect(lines).toContain(`DTEND:${icsUtc(new Date(start.getTime() + 90 * 60_000))}`);
      expect(lines).toContain('SUMMARY:Office hours\\, week 1');
      expect(lines).toContain(`UID:live-${live.id}@learnlive`);
      expect(lines).toContain('STATUS:CONFIRMED');
      // a link signed for someone else, or tampered with, opens nothing
      const forged = learnerView.icsUrl.replace(`u=${learner.id}`, `u=${outsider.id}`);
      expect((await h.call('GET', forged)).status).toBe(403);

      const edited = await h.call('PATCH', `/api/live-classes/${live.id}`, {
        token: instructor.token,
        body: { title: 'Office hours', durationMinutes: 45 },
      });
      expect(edited.body).toMatchObject({ title: 'Office hours', durationMinutes: 45 });
      const otherInstructor = await h.user('instructor');
      expect(
        (
          await h.call('PATCH', `/api/live-classes/${live.id}`, {
            token: otherInstructor.token,
            body: { title: 'x' },
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await h.call('PATCH', `/api/live-classes/${live.id}`, {
            token: learner.token,
            body: { title: 'x' },
          })
        ).status,
      ).toBe(403);

      const canceled = await h.call('POST', `/api/live-classes/${live.id}/cancel`, {
        token: instructor.token,
      });
      expect(canceled.body.status).toBe('canceled');
      expect(
        (await h.call('POST', `/api/live-classes/${live.id}/cancel`, { token: instructor.token })).status,
      ).toBe(409);
      const after = await h.call('GET', `/api/courses/${courseId}/live-classes`, { token: learner.token });
      expect(after.body.items.map((i: { id: string }) => i.id)).not.toContain(live.id);
      expect((await h.call('GET', learnerView.icsUrl)).text).toContain('STATUS:CANCELLED');
      expect((await roomToken(learner, `live:${live.id}`)).status).toBe(403);
    });

    it('refuses bad input with stable codes and creates nothing', async () => {
      const count = async () =>
        Number((await h.db.query<{ n: number }>('select count(*)::int as n from live_classes')).rows[0]!.n);
      const before = await count();
      const cases: Array<[unknown, string]> = [
        [{ title: 'Past', startsAt: inHours(-1).toISOString() }, 'validation_failed'],
        [{ title: 'No zone', startsAt: '2030-01-01T10:00:00' }, 'validation_failed'],
        [{ title: '', startsAt: inHours(5).toISOString() }, 'validation_failed'],
        [{ title: 'Long', startsAt: inHours(5).toISOString(), durationMinutes: 601 }, 'validation_failed'],
        [{ title: 'Extra', startsAt: inHours(5).toISOString(), room: 'x' }, 'validation_failed'],
      ];
      for (const [body, code] of cases) {
        const res = await h.call('POST', `/api/courses/${courseId}/live-classes`, {
          token: instructor.token,
          body,
        });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.code).toBe(code);
      }
      const byLearner = await h.call('POST', `/api/courses/${courseId}/live-classes`, {
        token: learner.token,
        body: { title: 'Mine', startsAt: inHours(5).toISOString() },
      });
      expect(byLearner.status).toBe(403);
      expect(await count()).toBe(before);
    });

    it('hands out room tokens: teacher, learner, invited speaker, moderator; nothing for others or before it opens', async () => {
      const soon = await h.call('POST', `/api/courses/${courseId}/live-classes`, {
        token: instructor.token,
        body: {
          title: 'Starting soon',
          startsAt: new Date(Date.now() + 5 * 60_000).toISOString(),
          durationMinutes: 30,
        },
      });
      const room = `live:${soon.body.id}`;
      const speaker = await h.user('learner');
      await h.enroll(speaker.id, courseId);
      expect(
        (
          await h.call('PUT', `/api/live-classes/${soon.body.id}/speakers/${speaker.id}`, {
            token: instructor.token,
          })
        ).status,
      ).toBe(204);
      expect(
        (
          await h.call('PUT', `/api/live-classes/${soon.body.id}/speakers/${outsider.id}`, {
            token: instructor.token,
          })
        ).status,
      ).toBe(404);
      for (const [user, role] of [
        [instructor, 'teacher'],
        [learner, 'learner'],
        [speaker, 'speaker'],
        [admin, 'moderator'],
      ] as const) {
        const res = await roomToken(user, room);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const claims = verifyRoomToken(res.body.token, TEST_JWT_SECRET);
        expect(claims).toMatchObject({ sub: user.id, room, kind: 'live', role });
      }
      expect((await roomToken(outsider, room)).status).toBe(404);

      const later = await h.call('POST', `/api/courses/${courseId}/live-classes`, {
        token: instructor.token,
        body: { title: 'Next week', startsAt: inHours(24 * 7).toISOString() },
      });
      const early = await roomToken(learner, `live:${later.body.id}`);
      expect(early.status).toBe(403);
      expect((await roomToken(instructor, `live:${later.body.id}`)).status).toBe(200);
    });
  });

  describe('mentor sessions', () => {
    let mentor: TestUser;
    beforeAll(async () => {
      mentor = await h.user('mentor', 'Mentor Mia');
    });

    it('publishes availability; overlapping, reversed or learner-made slots are refused', async () => {
      const a = await slot(mentor, 100);
      const overlap = await h.call('POST', '/api/mentor/slots', {
        token: mentor.token,
        body: { startsAt: inHours(100.5).toISOString(), endsAt: inHours(101.5).toISOString() },
      });
      expect(overlap.status).toBe(409);
      const reversed = await h.call('POST', '/api/mentor/slots', {
        token: mentor.token,
        body: { startsAt: inHours(200).toISOString(), endsAt: inHours(199).toISOString() },
      });
      expect(reversed.status).toBe(400);
      expect(reversed.body.code).toBe('validation_failed');
      const byLearner = await h.call('POST', '/api/mentor/slots', {
        token: learner.token,
        body: { startsAt: inHours(300).toISOString(), endsAt: inHours(301).toISOString() },
      });
      expect(byLearner.status).toBe(403);
      const mentors = await h.call('GET', '/api/mentors', { token: learner.token });
      expect(mentors.body.items).toContainEqual(
        expect.objectContaining({ id: mentor.id, name: 'Mentor Mia' }),
      );
      const open = await h.call('GET', `/api/mentors/${mentor.id}/slots`, { token: learner.token });
      expect(open.body.items.map((s: { id: string }) => s.id)).toContain(a.id);
      const withdrawn = await h.call('DELETE', `/api/mentor/slots/${a.id}`, { token: mentor.token });
      expect(withdrawn.body.status).toBe('withdrawn');
    });

    it('lets exactly one of two simultaneous bookings of a slot win; the database refuses a second live booking', async () => {
      const s = await slot(mentor, 120);
      const rival = await h.user('learner');
      const answers = await Promise.all([
        h.call('POST', '/api/bookings', { token: learner.token, body: { slotId: s.id } }),
        h.call('POST', '/api/bookings', { token: rival.token, body: { slotId: s.id } }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
      expect(answers.find((a) => a.status === 409)!.body.code).toBe('conflict');
      const { rows } = await h.db.query<{ n: number }>(
        `select count(*)::int as n from mentor_bookings where slot_id = $1 and status = 'booked'`,
        [s.id],
      );
      expect(rows[0]!.n).toBe(1);
      // the constraint itself, not only the API's check
      await expect(
        h.db.query(`insert into mentor_bookings (slot_id, mentor_id, learner_id) values ($1, $2, $3)`, [
          s.id,
          mentor.id,
          outsider.id,
        ]),
      ).rejects.toThrow(/mentor_bookings_one_per_slot|duplicate key/);
      expect(
        (await h.call('POST', '/api/bookings', { token: mentor.token, body: { slotId: s.id } })).status,
      ).toBe(409);
      const bad = await h.call('POST', '/api/bookings', { token: learner.token, body: { slotId: 'nope' } });
      expect(bad.body.code).toBe('validation_failed');
    });

    it('cancels and reschedules only with enough notice, from either side', async () => {
      const near = await slot(mentor, 2);
      const booked = await h.call('POST', '/api/bookings', {
        token: learner.token,
        body: { slotId: near.id },
      });
      expect(booked.status).toBe(201);
      const late = await h.call('POST', `/api/bookings/${booked.body.id}/cancel`, {
        token: learner.token,
        body: {},
      });
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('conflict');
      expect(
        (await h.call('GET', `/api/bookings/${booked.body.id}`, { token: learner.token })).body.status,
      ).toBe('booked');
      const far = await slot(mentor, 48);
      expect(
        (
          await h.call('POST', `/api/bookings/${booked.body.id}/reschedule`, {
            token: learner.token,
            body: { slotId: far.id },
          })
        ).status,
      ).toBe(409);

      const first = await h.call('POST', '/api/bookings', { token: learner.token, body: { slotId: far.id } });
      const later = await slot(mentor, 72);
      const taken = await slot(mentor, 96);
      const rival = await h.user('learner');
      await h.call('POST', '/api/bookings', { token: rival.token, body: { slotId: taken.id } });
      const onTaken = await h.call('POST', `/api/bookings/${first.body.id}/reschedule`, {
        token: learner.token,
        body: { slotId: taken.id },
      });
      expect(onTaken.status).toBe(409);
      expect(
        (await h.call('GET', `/api/bookings/${first.body.id}`, { token: learner.token })).body.status,
      ).toBe('booked');
      const otherMentor = await h.user('mentor');
      const elsewhere = await slot(otherMentor, 80);
      expect(
        (
          await h.call('POST', `/api/bookings/${first.body.id}/reschedule`, {
            token: learner.token,
            body: { slotId: elsewhere.id },
          })
        ).status,
      ).toBe(409);

      const moved = await h.call('POST', `/api/bookings/${first.body.id}/reschedule`, {
        token: mentor.token,
        body: { slotId: later.id },
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(201);
      expect(moved.body).toMatchObject({
        slotId: later.id,
        status: 'booked',
        side: 'mentor',
        startsAt: later.startsAt,
      });
      const old = await h.call('GET', `/api/bookings/${first.body.id}`, { token: learner.token });
      expect(old.body).toMatchObject({ status: 'rescheduled', rescheduledTo: moved.body.id });
      const open = await h.call('GET', `/api/mentors/${mentor.id}/slots`, { token: learner.token });
      expect(open.body.items.map((s: { id: string }) => s.id)).toContain(far.id);

      const canceled = await h.call('POST', `/api/bookings/${moved.body.id}/cancel`, {
        token: mentor.token,
        body: { reason: 'sick' },
      });
      expect(canceled.body.status).toBe('canceled');
      expect(
        (await h.call('POST', `/api/bookings/${moved.body.id}/cancel`, { token: mentor.token, body: {} }))
          .status,
      ).toBe(409);
      expect(
        (await h.call('POST', `/api/bookings/${moved.body.id}/cancel`, { token: outsider.token, body: {} }))
          .status,
      ).toBe(404);
    });

    it('gives room tokens to the booked pair only, and calendar files to each of them', async () => {
      const soon = await h.db.query<{ id: string }>(
        `insert into mentor_slots (mentor_id, starts_at, ends_at) values ($1, now() + interval '5 minutes', now() + interval '65 minutes') returning id`,
        [mentor.id],
      );
      const mentee = await h.user('learner');
      const booking = await h.call('POST', '/api/bookings', {
        token: mentee.token,
        body: { slotId: soon.rows[0]!.id },
      });
      expect(booking.status).toBe(201);
      const room = `mentor:${booking.body.id}`;
      const asMentee = await roomToken(mentee, room);
      expect(verifyRoomToken(asMentee.body.token, TEST_JWT_SECRET)).toMatchObject({
        room,
        kind: 'mentor',
        role: 'mentee',
      });
      const asMentor = await roomToken(mentor, room);
      expect(verifyRoomToken(asMentor.body.token, TEST_JWT_SECRET)).toMatchObject({
        role: 'mentor',
        sub: mentor.id,
      });
      expect((await roomToken(outsider, room)).status).toBe(404);
      expect((await roomToken(admin, room)).status).toBe(404);

      const ics = await h.call('GET', booking.body.icsUrl);
      expect(ics.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
      expect(ics.text).toContain(`DTSTART:${icsUtc(new Date(booking.body.startsAt))}\r\n`);
      expect(ics.text).toContain('SUMMARY:Mentor session with Mentor Mia\r\n');
      const mentorView = await h.call('GET', `/api/bookings/${booking.body.id}`, { token: mentor.token });
      expect((await h.call('GET', mentorView.body.icsUrl)).text).toContain(
        `SUMMARY:Mentor session with ${mentee.name}`,
      );
      expect((await h.call('GET', booking.body.icsUrl.replace(/sig=.*/, 'sig=AAAA'))).status).toBe(403);
    });

    it('takes feedback from both sides once the session is over, once each', async () => {
      const past = await h.db.query<{ id: string }>(
        `insert into mentor_slots (mentor_id, starts_at, ends_at) values ($1, now() - interval '2 hours', now() - interval '1 hour') returning id`,
        [mentor.id],
      );
      const { rows } = await h.db.query<{ id: string }>(
        `insert into mentor_bookings (slot_id, mentor_id, learner_id) values ($1, $2, $3) returning id`,
        [past.rows[0]!.id, mentor.id, learner.id],
      );
      const id = rows[0]!.id;
      const fromLearner = await h.call('POST', `/api/bookings/${id}/feedback`, {
        token: learner.token,
        body: { rating: 5, comment: 'Clear and kind' },
      });
      expect(fromLearner.status).toBe(201);
      expect(fromLearner.body).toMatchObject({ side: 'mentee', rating: 5 });
      expect(
        (await h.call('POST', `/api/bookings/${id}/feedback`, { token: mentor.token, body: { rating: 4 } }))
          .status,
      ).toBe(201);
      expect(
        (await h.call('POST', `/api/bookings/${id}/feedback`, { token: learner.token, body: { rating: 1 } }))
          .status,
      ).toBe(409);
      expect(
        (await h.call('POST', `/api/bookings/${id}/feedback`, { token: outsider.token, body: { rating: 1 } }))
          .status,
      ).toBe(404);
      const bad = await h.call('POST', `/api/bookings/${id}/feedback`, {
        token: mentor.token,
        body: { rating: 6 },
      });
      expect(bad.body.code).toBe('validation_failed');
      const list = await h.call('GET', `/api/bookings/${id}/feedback`, { token: mentor.token });
      expect(list.body.items.map((f: { side: string; rating: number }) => [f.side, f.rating])).toEqual([
        ['mentee', 5],
        ['mentor', 4],
      ]);

      const future = await slot(mentor, 150);
      const upcoming = await h.call('POST', '/api/bookings', {
        token: learner.token,
        body: { slotId: future.id },
      });
      const early = await h.call('POST', `/api/bookings/${upcoming.body.id}/feedback`, {
        token: learner.token,
        body: { rating: 3 },
      });
      expect(early.status).toBe(409);
      const all = await h.call('GET', '/api/bookings/me?scope=all', { token: learner.token });
      expect(all.body.items.find((b: { id: string }) => b.id === id)).toMatchObject({ feedbackGiven: true });
      const upcomingOnly = await h.call('GET', '/api/bookings/me', { token: learner.token });
      expect(upcomingOnly.body.items.map((b: { id: string }) => b.id)).not.toContain(id);
    });
  });
});
