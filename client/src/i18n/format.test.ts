import { describe, expect, it } from 'vitest';
import { createFormatter } from './format.js';

const at = '2026-12-06T13:30:00Z';

describe('createFormatter', () => {
  const fr = createFormatter('fr', 'Europe/Paris');
  const en = createFormatter('en', 'America/New_York');

  it('writes dates and 24 h times in French, 12 h in American English, in the viewer zone', () => {
    expect(fr.time(at)).toBe('14:30');
    expect(fr.date(at)).toBe('6 déc. 2026');
    expect(en.time(at)).toMatch(/^8:30\sAM$/);
  });

  it('adds the class zone only when its wall-clock time differs', () => {
    expect(fr.dateTimeInZones(at, 'Europe/Paris')).toBe(fr.dateTime(at));
    expect(fr.dateTimeInZones(at, 'Europe/Berlin')).toBe(fr.dateTime(at));
    expect(fr.dateTimeInZones(at, 'America/New_York')).toBe(`${fr.dateTime(at)} (08:30 America/New York)`);
  });

  it('formats money from minor units with each currency’s decimals', () => {
    expect(fr.money(1900, 'eur')).toBe('19,00\u00a0€');
    expect(en.money(1900, 'USD')).toBe('$19.00');
    expect(en.money(500, 'JPY')).toBe('¥500');
  });

  it('says relative times in words', () => {
    const now = new Date(at);
    expect(fr.relative(new Date(now.getTime() + 15 * 60_000), now)).toBe('dans 15 minutes');
    expect(en.relative(new Date(now.getTime() - 2 * 3600_000), now)).toBe('2 hours ago');
    expect(fr.relative(new Date(now.getTime() + 24 * 3600_000), now)).toBe('demain');
  });

  it('formats durations without raw seconds', () => {
    // Intl puts (narrow) no-break spaces where French typography wants them
    const spaces = (text: string) => text.replace(/\s/g, ' ');
    expect(spaces(fr.duration(5400))).toBe('1 h 30 min');
    expect(fr.duration(5400)).not.toMatch(/\d /);
    expect(spaces(en.duration(45))).toBe('45 sec');
    expect(spaces(en.duration(3600))).toBe('1 hr');
  });
});
