import { describe, expect, it } from 'vitest';
import { AppError } from '@learnlive/common';
import { calendarPath, verifyCalendarSignature } from './calendarLinks.js';
import { buildIcs, foldLine, icsText, icsUtc } from './ics.js';
import { assertChangeAllowed, sessionPhase } from './rules.js';

describe('ics', () => {
  it('writes UTC instants whatever offset they were given in', () => {
    expect(icsUtc(new Date('2026-11-22T19:30:00+01:00'))).toBe('20261122T183000Z');
  });

  it('builds a VEVENT with CRLF lines, escaped text and a cancel status', () => {
    const ics = buildIcs({
      uid: 'live-1@learnlive',
      title: 'Q&A; part 1, live',
      start: new Date('2026-11-22T18:00:00Z'),
      end: new Date('2026-11-22T19:00:00Z'),
      description: 'line one\nline two',
      canceled: true,
      sequence: 3,
      stamp: new Date('2026-11-20T00:00:00Z'),
    });
    expect(ics.split('\r\n')).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//LearnLive//Scheduling//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'BEGIN:VEVENT',
      'UID:live-1@learnlive',
      'DTSTAMP:20261120T000000Z',
      'DTSTART:20261122T180000Z',
      'DTEND:20261122T190000Z',
      'SUMMARY:Q&A\\; part 1\\, live',
      'DESCRIPTION:line one\\nline two',
      'STATUS:CANCELLED',
      'SEQUENCE:3',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ]);
  });

  it('folds long lines at 75 octets without splitting a character', () => {
    const line = `SUMMARY:${'é'.repeat(60)}`;
    const folded = foldLine(line);
    for (const part of folded.split('\r\n')) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
    expect(
      folded
        .split('\r\n')
        .map((p, i) => (i === 0 ? p : p.slice(1)))
        .join(''),
    ).toBe(line);
    expect(icsText('a\\b')).toBe('a\\\\b');
  });
});

describe('calendar links', () => {
  it('verify only for the same kind, id and person', () => {
    const path = calendarPath('secret', 'live', 'abc', 'u1');
    const sig = new URL(path, 'http://x').searchParams.get('sig')!;
    expect(verifyCalendarSignature('secret', 'live', 'abc', 'u1', sig)).toBe(true);
    expect(verifyCalendarSignature('secret', 'booking', 'abc', 'u1', sig)).toBe(false);
    expect(verifyCalendarSignature('secret', 'live', 'abc', 'u2', sig)).toBe(false);
    expect(verifyCalendarSignature('other', 'live', 'abc', 'u1', sig)).toBe(false);
    expect(verifyCalendarSignature('secret', 'live', 'abc', 'u1', 'short')).toBe(false);
  });
});

describe('booking rules', () => {
  const now = new Date('2026-11-22T12:00:00Z');
  it('allows changes until the notice period and refuses them after', () => {
    expect(() => assertChangeAllowed(new Date('2026-11-23T12:00:00Z'), now, 24 * 3600_000)).not.toThrow();
    const err = (() => {
      try {
        assertChangeAllowed(new Date('2026-11-23T11:59:00Z'), now, 24 * 3600_000);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('conflict');
  });

  it('opens rooms 15 minutes early and closes them 30 minutes after the end', () => {
    const start = new Date('2026-11-22T12:20:00Z');
    const end = new Date('2026-11-22T13:00:00Z');
    expect(sessionPhase(start, end, new Date('2026-11-22T12:04:00Z'))).toBe('upcoming');
    expect(sessionPhase(start, end, new Date('2026-11-22T12:05:00Z'))).toBe('open');
    expect(sessionPhase(start, end, new Date('2026-11-22T13:30:00Z'))).toBe('open');
    expect(sessionPhase(start, end, new Date('2026-11-22T13:31:00Z'))).toBe('over');
  });
});
