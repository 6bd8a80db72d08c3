/**
 * The catalogs: one JSON file per area and language (`en/account.json`, `fr/account.json`); the
 * file name is the i18next namespace, and code always writes keys with it:
 * `t('account:profile.title')`. Both languages are bundled (a few kilobytes each), so switching
 * needs no request.
 */
export type Catalog = { [key: string]: string | Catalog };

const files = import.meta.glob<Catalog>('./*/*.json', { eager: true, import: 'default' });

export const resources: Record<string, Record<string, Catalog>> = {};
for (const [path, catalog] of Object.entries(files)) {
  const [, language, namespace] = /^\.\/(\w+)\/(\w+)\.json$/.exec(path) ?? [];
  if (!language || !namespace) continue;
  (resources[language] ??= {})[namespace] = catalog;
}
