/**
 * Catalog search: user text → SQL over `courses c` (its `search` vector and `language`,
 * migration 006). A course's vector is built with its language's configuration, so the query is
 * parsed with every configuration and each course is compared with the parse of its own: one
 * query finds French and English courses ("photographie" finds "Photography" too, through the
 * English parse). The last word is a prefix, as people type ("photo" finds "photographie").
 *
 * User text never reaches tsquery syntax: only runs of letters, marks and digits are kept, so
 * `'`, `&`, `|`, `!`, `:`, `(`, `*`, `\` and the like separate words and mean nothing else.
 * Words are ANDed; the stemmers' stop words ("le", "the") are dropped, and a query of nothing
 * else matches nothing.
 */

/** Text search configurations of migration 006, as `course_search_config(language)` picks them. */
const SEARCH_CONFIGS = ['fr_unaccent', 'en_unaccent', 'simple_unaccent'] as const;

/** The words of a query: all but the last matched whole (by stem), the last as a prefix. */
export interface SearchTerms {
  /** Space-separated words, possibly empty. */
  readonly head: string;
  readonly last: string;
}

/** `undefined` when the text holds no word at all (only punctuation or symbols). */
export function searchTerms(text: string): SearchTerms | undefined {
  const words = text.normalize('NFC').match(/[\p{L}\p{M}\p{N}]+/gu);
  if (!words) return undefined;
  return { head: words.slice(0, -1).join(' '), last: words.at(-1)! };
}

/**
 * `match` (a condition the GIN index on `search` serves: one bitmap scan per configuration) and
 * `rank` (`ts_rank` against the course's own parse), given the SQL placeholders that hold
 * `head` and `last`.
 */
export function searchSql(head: string, last: string): { match: string; rank: string } {
  const parse = (config: string) =>
    `(plainto_tsquery('${config}', ${head}) && to_tsquery('${config}', ${last} || ':*'))`;
  const own = (config: string) => `course_search_config(c.language) = '${config}'::regconfig`;
  return {
    match: `(${SEARCH_CONFIGS.map((config) => `(${own(config)} and c.search @@ ${parse(config)})`).join(' or ')})`,
    rank: `ts_rank(c.search, case ${SEARCH_CONFIGS.map((config) => `when ${own(config)} then ${parse(config)}`).join(' ')} end)`,
  };
}
