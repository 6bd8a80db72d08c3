-- The language a person reads the platform in, and the defaults of what they create (a course's
-- language and currency). Set at sign-up from Accept-Language; the platforms are French, so
-- existing accounts and unknown languages get 'fr'.
alter table users add column locale text not null default 'fr' check (locale in ('fr', 'en'));
