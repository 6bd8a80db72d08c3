import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '@learnlive/common';
import { CoursePageSchema } from '@learnlive/contracts';
import { DATABASE_ADAPTERS } from '@learnlive/testing';
import { apiHarness } from '../payments/harness.test-support.js';
import { listCatalog } from './catalog.js';

/** Published courses: [key, language, title, summary, description]. */
const COURSES = [
  ['photoFr', 'fr', 'Leçons de photographie', 'Apprenez à cadrer la lumière', 'Un cours pour débutants.'],
  ['pianoFr', 'fr', 'Apprentissage du piano', 'Les gammes pas à pas', ''],
  ['jardinFr', 'fr', 'Jardinage au balcon', 'Des légumes en pots', 'Semer, arroser, récolter.'],
  ['cuisineFr', 'fr-CA', 'Cuisiner de saison', 'Recettes du marché', 'Le cœur du repas.'],
  ['photoEn', 'en', 'Photography for beginners', 'Learning light and composition', ''],
  ['gardenEn', 'en', 'Gardening basics', 'Grow vegetables in small spaces', ''],
  ['chartsEn', 'en', 'Reading charts', 'Data for managers', 'Photos are not covered.'],
  ['fotoDe', 'de', 'Fotografie für Anfänger', 'Die Brücke im Abendlicht', ''],
] as const;
type Key = (typeof COURSES)[number][0];

describe.each(DATABASE_ADAPTERS)('catalog search on %s', (_name, create) => {
  const h = apiHarness(create);
  const ids = new Map<string, Key>();
  beforeAll(async () => {
    await h.start();
    const instructor = await h.user('instructor');
    for (const [key, language, title, summary, description] of COURSES) {
      const { rows } = await h.db.query<{ id: string }>(
        `insert into courses (instructor_id, title, summary, description, language, status, published_at)
         values ($1, $2, $3, $4, $5, 'published', now()) returning id`,
        [instructor.id, title, summary, description, language],
      );
      ids.set(rows[0]!.id, key);
    }
  });
  afterAll(h.stop);

  async function search(q: string, extra = ''): Promise<Key[]> {
    const res = await h.call('GET', `/api/courses?q=${encodeURIComponent(q)}${extra}`);
    expect(res.status, `${q}: ${JSON.stringify(res.body)}`).toBe(200);
    return CoursePageSchema.parse(res.body).items.map((c) => ids.get(c.id)!);
  }
  const found = async (q: string) => (await search(q)).sort();

  it('matches French words without accents, in either spelling', async () => {
    for (const q of ['leçons', 'lecons', 'LEÇON', 'lecon']) expect(await found(q), q).toEqual(['photoFr']);
    for (const q of ['lumiere', 'lumières', 'Lumière']) expect(await found(q), q).toEqual(['photoFr']);
    // œ is unaccented to "oe" on both sides; "recolte" reaches "récolter" by stem
    expect(await found('coeur')).toEqual(['cuisineFr']);
    expect(await found('recolte')).toEqual(['jardinFr']);
  });

  it('matches French plurals and conjugations as the French stemmer does, and no more', async () => {
    // légumes → legum; apprenant, apprenants, apprenez → appren; cuisiner, cuisine → cuisin
    expect(await found('légume pots')).toEqual(['jardinFr']);
    expect(await found('apprenants cadrer')).toEqual(['photoFr']);
    expect(await found('cuisine saison')).toEqual(['cuisineFr']);
    expect(await found('recettes marchés')).toEqual(['cuisineFr']);
    // The stemmer keeps "apprendre" (apprendr) and "apprentissage" (apprentissag) apart.
    expect(await found('apprendre')).toEqual([]);
    expect(await found('apprentissage')).toEqual(['pianoFr']);
  });

  it('matches English plurals and tenses by the English stemmer', async () => {
    expect(await found('learned light')).toEqual(['photoEn']);
    expect(await found('gardens vegetable')).toEqual(['gardenEn']);
    expect(await found('vegetables')).toEqual(['gardenEn']);
  });

  it('takes the last word as a prefix, as people type', async () => {
    // photo → photographie (fr), Photography (en), "Photos" in a description (en); not Fotografie
    expect(await found('photo')).toEqual(['chartsEn', 'photoEn', 'photoFr']);
    expect(await found('phot')).toEqual(['chartsEn', 'photoEn', 'photoFr']);
    expect(await found('leçons de photo')).toEqual(['photoFr']);
    expect(await found('jard')).toEqual(['jardinFr']);
    // only the last word: "phot" before another word must match whole
    expect(await found('phot lecons')).toEqual([]);
  });

  it('finds French and English courses with one query and keeps the wrong ones out', async () => {
    expect(await found('photographie')).toEqual(['photoEn', 'photoFr']);
    expect(await found('piano')).toEqual(['pianoFr']);
    expect(await found('jardinage piano')).toEqual([]);
    expect(await found('gardening')).toEqual(['gardenEn']);
    expect(await search('photo', '&language=en')).toEqual(expect.arrayContaining(['photoEn', 'chartsEn']));
    expect((await search('photo', '&language=en')).length).toBe(2);
  });

  it('matches other languages by whole word, without accents', async () => {
    expect(await found('brucke')).toEqual(['fotoDe']);
    expect(await found('Brücke')).toEqual(['fotoDe']);
    expect(await found('fotograf')).toEqual(['fotoDe']);
    // no stemmer: another form of the word is another word
    expect(await found('brucken abendlicht')).toEqual([]);
  });

  it('ranks title matches above description matches', async () => {
    const order = await search('photo');
    expect(order.indexOf('chartsEn')).toBe(order.length - 1);
    expect(order.slice(0, 2).sort()).toEqual(['photoEn', 'photoFr']);
  });

  it('never lets query text act as tsquery syntax', async () => {
    for (const q of [
      "photo'",
      'photo &',
      'photo |',
      '!photo',
      'photo:*',
      '(photo',
      'photo*',
      'photo\\',
      "'photo':*",
    ]) {
      expect(await found(q), q).toEqual(['chartsEn', 'photoEn', 'photoFr']);
    }
    for (const q of [
      "'",
      '&',
      '|',
      '!',
      ':',
      '(',
      '*',
      '\\',
      "'&|!:(*\\",
      '<->',
      "'); drop table courses; --",
    ]) {
      expect(await found(q), q).toEqual([]);
    }
    // stop words only (French "le la de du", English "the of and"): nothing to look for
    expect(await found('le la de du')).toEqual([]);
    expect(await found('the of and')).toEqual([]);
    expect(await found('photographie !lumiere')).toEqual(['photoFr']);
  });

  it('pages a search across languages with its cursor', async () => {
    const seen: Key[] = [];
    let cursor: string | null = null;
    do {
      const res = await h.call(
        'GET',
        `/api/courses?q=photo&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const page = CoursePageSchema.parse(res.body);
      seen.push(...page.items.map((c) => ids.get(c.id)!));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(await search('photo'));
    expect(seen.length).toBe(3);
  });

  it('is served by the GIN index (EXPLAIN)', async () => {
    const captured: Array<{ sql: string; params: readonly unknown[] }> = [];
    const recorder: Queryable = {
      query: (sql, params) => {
        captured.push({ sql, params: params ?? [] });
        return h.db.query(sql, params);
      },
      exec: (sql) => h.db.exec(sql),
    };
    await listCatalog(recorder, { q: 'leçons de photo', limit: 20 });
    const { sql, params } = captured[0]!;
    const rollback = new Error('rollback');
    let plan = '';
    await h.db
      .transaction(async (tx) => {
        // a catalog of a few thousand courses, so that the planner's choice means something
        await tx.query(
          `insert into courses (instructor_id, title, summary, language, status, published_at)
           select (select instructor_id from courses limit 1), 'Cours ' || n, 'Résumé numéro ' || n,
                  case when n % 2 = 0 then 'fr' else 'en' end, 'published', now()
             from generate_series(1, 3000) n`,
        );
        await tx.query('analyze courses');
        const { rows } = await tx.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${sql}`, params);
        plan = JSON.stringify(rows[0]!['QUERY PLAN']);
        throw rollback;
      })
      .catch((err: unknown) => {
        if (err !== rollback) throw err;
      });
    expect(plan).toContain('"Index Name":"courses_search"');
    expect(plan).toContain('BitmapOr');
  });
});
