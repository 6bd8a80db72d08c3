-- Catalog search in the course's own language: French and English words match by stem and
-- without accents ("leçons" finds "lecon", "lumiere" finds "lumière"); other languages match
-- whole words without accents. A course's language picks its configuration
-- (course_search_config); the catalog parses a query with each configuration and compares each
-- course with the parse of its own (api/src/courses/searchQuery.ts).
-- `unaccent` runs before the stemmer, so accented and plain spellings reach it alike. It maps
-- only the token types that can hold non-ASCII letters (the ASCII ones need no unaccenting).
create extension if not exists unaccent;

create text search configuration fr_unaccent (copy = french);
alter text search configuration fr_unaccent
  alter mapping for hword, hword_part, word with unaccent, french_stem;

create text search configuration en_unaccent (copy = english);
alter text search configuration en_unaccent
  alter mapping for hword, hword_part, word with unaccent, english_stem;

create text search configuration simple_unaccent (copy = simple);
alter text search configuration simple_unaccent
  alter mapping for hword, hword_part, word with unaccent, simple;

-- `fr`, `fr-CA` → French; `en`, `en-GB` → English; anything else: no stemming. Immutable (the
-- generated column below needs it): changing it means recomputing every course's vector.
create function course_search_config(language text) returns regconfig
  language sql immutable parallel safe
  return case split_part(lower(language), '-', 1)
    when 'fr' then 'fr_unaccent'::regconfig
    when 'en' then 'en_unaccent'::regconfig
    else 'simple_unaccent'::regconfig
  end;

-- A generated column's expression cannot be altered on PostgreSQL 15: drop it (and its index).
alter table courses drop column search;
alter table courses add column search tsvector generated always as (
  setweight(to_tsvector(course_search_config(language), title), 'A') ||
  setweight(to_tsvector(course_search_config(language), summary), 'B') ||
  setweight(to_tsvector(course_search_config(language), description), 'C')
) stored;
-- Without the pending list (fastupdate): courses change rarely and are searched often, and a
-- pending list the planner must scan whole made it prefer reading the table until a vacuum.
create index courses_search on courses using gin (search) with (fastupdate = off);
