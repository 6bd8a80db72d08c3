import { Redis } from 'ioredis';

/**
 * A Redis connection. `maxRetriesPerRequest: null` is what BullMQ requires and what a
 * long-lived service wants: commands wait for a reconnect instead of failing after 20 tries.
 */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, { connectionName: name, maxRetriesPerRequest: null, lazyConnect: false });
}

export function describeRedis(url: string): string {
  const parsed = new URL(url);
  return `Redis (${parsed.hostname}:${parsed.port || 6379}${parsed.pathname.length > 1 ? ` db ${parsed.pathname.slice(1)}` : ''})`;
}
