import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, USER_ROLES } from '@learnlive/contracts';
import { describe, expect, it } from 'vitest';
import { LOCALES } from './locale.js';
import { resources, type Catalog } from './resources.js';

/*
 * The CI check of the catalogs (issue 13): French and English hold the same keys, every key the
 * code names exists, and French reads as French typography wants. Its twin is the lint rule
 * against text written in JSX (eslint.config.js).
 */

const src = fileURLToPath(new URL('..', import.meta.url));
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(catalog: Catalog, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

function entries(locale: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [namespace, catalog] of Object.entries(resources[locale] ?? {})) {
    for (const [key, value] of flatten(catalog)) out.set(`${namespace}:${key}`, value);
  }
  return out;
}

/** A key as code names it: plural forms (`count_one`, `count_other`) under their base. */
const base = (key: string) => key.replace(PLURAL, '');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

const catalogs = Object.fromEntries(LOCALES.map((locale) => [locale, entries(locale)]));
const en = catalogs.en!;
const fr = catalogs.fr!;
const namespaces = Object.keys(resources.en ?? {});
const known = new Set([...en.keys()].map(base));
const prefixes = new Set(
  [...known].flatMap((key) => key.split('.').map((_, i, parts) => parts.slice(0, i).join('.'))),
);

describe('catalogs', () => {
  it('exist for every language, with the same areas', () => {
    for (const locale of LOCALES)
      expect(Object.keys(resources[locale] ?? {}).sort()).toEqual(namespaces.sort());
    expect(namespaces.length).toBeGreaterThan(3);
  });

  it('hold the same keys in French and English', () => {
    const keys = (catalog: Map<string, string>) => [...new Set([...catalog.keys()].map(base))].sort();
    expect(keys(fr)).toEqual(keys(en));
  });

  it('have every plural form each language needs', () => {
    for (const locale of LOCALES) {
      const catalog = catalogs[locale]!;
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      const plurals = new Set([...catalog.keys()].filter((key) => PLURAL.test(key)).map(base));
      for (const key of plurals) {
        for (const category of categories)
          expect(catalog.has(`${key}_${category}`), `${locale} ${key}_${category}`).toBe(true);
      }
    }
  });

  it('have no empty message', () => {
    for (const locale of LOCALES) {
      for (const [key, value] of catalogs[locale]!) expect(value.trim(), `${locale} ${key}`).not.toBe('');
    }
  });

  it('have a message for every API error code and role', () => {
    for (const code of ERROR_CODES) expect(known.has(`errors:code.${code}`), code).toBe(true);
    for (const role of USER_ROLES) expect(known.has(`common:roles.${role}`), role).toBe(true);
  });

  it('write French with French typography', () => {
    for (const [key, value] of fr) {
      // a no-break space (U+00A0 or the narrow U+202F) before : ; ? ! and inside « »
      expect(value, key).not.toMatch(/[^\u00a0\u202f][:;?!»]|«[^\u00a0\u202f]/);
      // typographic apostrophe and ellipsis, French quotes
      expect(value, key).not.toMatch(/'|\.\.\.|"/);
    }
  });
});

describe('the code', () => {
  const files = sourceFiles(src).filter((file) => !file.includes(`${join('i18n', 'resources.ts')}`));
  const keyPattern = new RegExp(`['"\`]((?:${namespaces.join('|')}):[\\w.]*)(\\$\\{)?`, 'g');

  it('names only keys that exist (a dynamic key: a prefix that exists)', () => {
    const missing: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [, key, dynamic] of text.matchAll(keyPattern)) {
        if (!key) continue;
        const ok = dynamic ? prefixes.has(key.replace(/\.$/, '')) : known.has(key);
        if (!ok) missing.push(`${relative(src, file)}: ${key}${dynamic ? '…' : ''}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("always names the area of a key: t('area:key')", () => {
    const bare: string[] = [];
    for (const file of files) {
      for (const [call] of readFileSync(file, 'utf8').matchAll(/\bt\(\s*['"`][^'"`:]*['"`]/g)) {
        bare.push(`${relative(src, file)}: ${call}`);
      }
    }
    expect(bare).toEqual([]);
  });
});
