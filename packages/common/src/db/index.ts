export type { Db, Queryable } from './Db.js';
export { openDatabase, describeDatabase } from './open.js';
export { migrate } from './migrate.js';
