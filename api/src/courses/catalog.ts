import { AppError, type Queryable } from '@learnlive/common';
import type { CatalogQuerySchema, CoursePage } from '@learnlive/contracts';
import { z } from 'zod';
import { SUMMARY_COLUMNS, toSummary, type SummaryRow } from './rows.js';
import { searchSql, searchTerms } from './searchQuery.js';

/**
 * Catalog cursors: the last item's sort key. Without a search the order is `seq` (creation,
 * unique, never reused); with one it is (rank, seq), the rank rounded so it compares exactly.
 */
const CursorSchema = z.object({
  s: z.number().int(),
  r: z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .optional(),
});
type Cursor = z.infer<typeof CursorSchema>;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(raw: string, searching: boolean): Cursor {
  let parsed: Cursor;
  try {
    parsed = CursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw new AppError('bad_request', 'the cursor is not one this API issued');
  }
  if (searching !== (parsed.r !== undefined)) {
    throw new AppError('bad_request', 'the cursor belongs to a different query');
  }
  return parsed;
}

/** One page of published courses, filtered, searched, in a stable order. */
export async function listCatalog(
  db: Queryable,
  query: z.output<typeof CatalogQuerySchema>,
): Promise<CoursePage> {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = [`c.status = 'published'`];
  if (query.domain) where.push(`c.domain = ${param(query.domain)}`);
  if (query.language) where.push(`c.language = ${param(query.language)}`);
  if (query.pricing) where.push(`c.pricing = ${param(query.pricing)}`);
  if (query.maxPrice !== undefined) where.push(`c.price_amount <= ${param(query.maxPrice)}`);

  const searching = Boolean(query.q);
  const cursor = query.cursor ? decodeCursor(query.cursor, searching) : undefined;
  let rank = 'null::numeric';
  let order = 'c.seq desc';
  if (query.q) {
    const terms = searchTerms(query.q);
    // nothing to look for (punctuation only): nothing matches
    if (!terms) return { items: [], nextCursor: null };
    const search = searchSql(param(terms.head), param(terms.last));
    where.push(search.match);
    rank = `round(${search.rank}::numeric, 6)`;
    order = 'rank desc, c.seq desc';
    if (cursor) where.push(`(${rank}, c.seq) < (${param(cursor.r)}::numeric, ${param(cursor.s)}::bigint)`);
  } else if (cursor) {
    where.push(`c.seq < ${param(cursor.s)}`);
  }
  // Prepared: the text comes from a few dozen filter combinations; planning cost more than running.
  const { rows } = await db.query<SummaryRow & { rank: string | null }>(
    `select ${SUMMARY_COLUMNS}, ${rank} as rank
       from courses c join users u on u.id = c.instructor_id
      where ${where.join(' and ')}
      order by ${order}
      limit ${param(query.limit + 1)}`,
    params,
    { prepare: true },
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const more = rows.length > query.limit && last;
  return {
    items: page.map(toSummary),
    nextCursor: more
      ? encodeCursor({ s: Number(last.seq), ...(searching ? { r: String(last.rank) } : {}) })
      : null,
  };
}
