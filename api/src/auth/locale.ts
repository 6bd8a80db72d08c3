import type { Queryable } from '@learnlive/common';
import { DEFAULT_LOCALE, LOCALES, type Locale } from '@learnlive/contracts';

const SUPPORTED: ReadonlySet<string> = new Set(LOCALES);

/**
 * The supported locale an `Accept-Language` header prefers most (RFC 9110 §12.5.4: weights
 * `q`, ties in the order given; `fr-CA` counts as `fr`; `q=0` means "not this one"), or
 * `fallback` when it names none.
 */
export function localeFromAcceptLanguage(
  header: string | undefined,
  fallback: Locale = DEFAULT_LOCALE,
): Locale {
  if (!header) return fallback;
  let best: { locale: Locale; q: number } | undefined;
  for (const part of header.split(',').slice(0, 30)) {
    const [range = '', ...params] = part.trim().split(';');
    const primary = range.trim().toLowerCase().split('-')[0]!;
    if (!SUPPORTED.has(primary)) continue;
    const weight = params.map((p) => /^\s*q\s*=\s*([01](\.\d{0,3})?)\s*$/i.exec(p)).find(Boolean);
    const q = weight ? Number(weight[1]) : 1;
    if (q > 0 && (!best || q > best.q)) best = { locale: primary as Locale, q };
  }
  return best?.locale ?? fallback;
}

/** A user's locale (`users.locale`, migration 005); the default for an account that is gone. */
export async function localeOf(db: Queryable, userId: string): Promise<Locale> {
  const { rows } = await db.query<{ locale: Locale }>('select locale from users where id = $1', [userId]);
  return rows[0]?.locale ?? DEFAULT_LOCALE;
}
