export * from './ports.js';
export * from './waitFor.js';
export * from './logger.js';
export * from './database.js';
export * from './redis.js';
export * from './s3.js';
export * from './browser.js';
export * from './secrets.js';
