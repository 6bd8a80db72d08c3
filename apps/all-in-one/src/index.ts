export { startSystem, type System } from './compose.js';
export { loadAllInOneConfig, allInOneEnvSchema, type AllInOneConfig } from './config.js';
