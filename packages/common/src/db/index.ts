export type { Db, ListenHandlers, Queryable, QueryOptions } from './Db.js';
export { openDatabase, describeDatabase } from './open.js';
export { migrate } from './migrate.js';
