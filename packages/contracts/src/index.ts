export * from './errors.js';
export * from './health.js';
export * from './clientConfig.js';
export * from './jobs.js';
export * from './auth.js';
