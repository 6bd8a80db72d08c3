/**
 * Everything a page shows of a date, a time, an amount or a duration goes through here, in the
 * viewer's language (`Intl`), so no ISO timestamp or raw number of seconds reaches the screen.
 * Each function takes the locale explicitly; components get it from `useFormat()`.
 */

export interface Formatter {
  /** "6 déc. 2026" / "Dec 6, 2026" */
  date(iso: string | Date): string;
  /** "6 déc. 2026, 14:30" / "Dec 6, 2026, 2:30 PM", in the viewer's zone. */
  dateTime(iso: string | Date): string;
  /** "14:30" / "2:30 PM", in the viewer's zone. */
  time(iso: string | Date): string;
  /**
   * A date and time in the viewer's zone, followed by the same instant in `zone` when that
   * zone shows another wall-clock time: "6 déc., 14:30 (08:30 America/New_York)".
   */
  dateTimeInZones(iso: string | Date, zone: string): string;
  /** Integer minor units (cents) in an ISO 4217 currency: "19,00 €" / "€19.00". */
  money(minorUnits: number, currency: string): string;
  /** "dans 15 minutes", "il y a 2 heures", "tomorrow", relative to `now`. */
  relative(iso: string | Date, now?: Date): string;
  /** A length of time: "1 h 30 min" / "1 hr, 30 min"; "45 s". */
  duration(seconds: number): string;
  number(value: number): string;
}

const RELATIVE_UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

function toDate(value: string | Date): Date {
  return value instanceof Date ? value : new Date(value);
}

/** How many decimals a currency has (JPY 0, EUR 2, KWD 3): Intl knows. */
export function currencyDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

export function createFormatter(locale: string, viewerZone?: string): Formatter {
  const zone = viewerZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: zone });
  const dateTimeFmt = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: zone,
  });
  const timeFmt = new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: zone });
  const relativeFmt = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const numberFmt = new Intl.NumberFormat(locale);

  return {
    date: (iso) => dateFmt.format(toDate(iso)),
    dateTime: (iso) => dateTimeFmt.format(toDate(iso)),
    time: (iso) => timeFmt.format(toDate(iso)),
    dateTimeInZones(iso, otherZone) {
      const at = toDate(iso);
      const here = dateTimeFmt.format(at);
      const there = new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: otherZone }).format(at);
      // the same wall-clock time needs saying once
      return there === timeFmt.format(at) ? here : `${here} (${there} ${otherZone.replaceAll('_', ' ')})`;
    },
    money(minorUnits, currency) {
      const code = currency.toUpperCase();
      return new Intl.NumberFormat(locale, { style: 'currency', currency: code }).format(
        minorUnits / 10 ** currencyDigits(code),
      );
    },
    relative(iso, now = new Date()) {
      const seconds = Math.round((toDate(iso).getTime() - now.getTime()) / 1000);
      const magnitude = Math.abs(seconds);
      for (const [unit, size] of RELATIVE_UNITS) {
        if (magnitude >= size || unit === 'second') {
          return relativeFmt.format(Math.round(seconds / size), unit);
        }
      }
      return relativeFmt.format(seconds, 'second');
    },
    duration(total) {
      const seconds = Math.max(0, Math.round(total));
      const hours = Math.floor(seconds / 3600);
      const minutes = Math.floor((seconds % 3600) / 60);
      const rest = seconds % 60;
      const unit = (value: number, name: 'hour' | 'minute' | 'second') =>
        new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short' }).format(value);
      const out: string[] = [];
      if (hours) out.push(unit(hours, 'hour'));
      if (minutes) out.push(unit(minutes, 'minute'));
      if (rest || out.length === 0) out.push(unit(rest, 'second'));
      return new Intl.ListFormat(locale, { style: 'narrow', type: 'unit' }).format(out);
    },
    number: (value) => numberFmt.format(value),
  };
}
