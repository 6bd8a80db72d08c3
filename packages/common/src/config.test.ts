import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, parseEnv } from './config.js';

const schema = z.object({
  PORT: env.port(3000),
  DATABASE_URL: env.url(['postgres', 'pglite']).default('pglite:memory'),
  SECRET: env.secret(),
  FLAG: env.bool(false),
});

describe('parseEnv', () => {
  it('applies defaults, converts types and freezes', () => {
    const config = parseEnv('svc', schema, { SECRET: 'x'.repeat(32), FLAG: 'true' });
    expect(config).toEqual({ PORT: 3000, DATABASE_URL: 'pglite:memory', SECRET: 'x'.repeat(32), FLAG: true });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv('svc', schema, { SECRET: 'x'.repeat(32), PORT: '' }).PORT).toBe(3000);
  });

  it('names every offending variable in one message', () => {
    const attempt = () =>
      parseEnv('svc', schema, { PORT: '70000', DATABASE_URL: 'mysql://x', FLAG: 'maybe' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const message = (err as ConfigError).message;
      expect(message).toMatch(/^invalid configuration for svc: /);
      for (const variable of ['PORT', 'DATABASE_URL', 'SECRET', 'FLAG'])
        expect(message).toContain(`${variable}:`);
      expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
        'DATABASE_URL',
        'FLAG',
        'PORT',
        'SECRET',
      ]);
    }
  });

  it('rejects a short secret', () => {
    expect(() => parseEnv('svc', schema, { SECRET: 'short' })).toThrow(
      /SECRET: must be at least 32 characters/,
    );
  });
});
