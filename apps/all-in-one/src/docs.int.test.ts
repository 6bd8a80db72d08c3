import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { apiEnvSchema } from '@learnlive/api';
import { mediaEnvSchema } from '@learnlive/media';
import { realtimeEnvSchema } from '@learnlive/realtime';
import { transcoderEnvSchema } from '@learnlive/transcoder';
import { allInOneEnvSchema } from './config.js';

const ROOT = new URL('../../../', import.meta.url);

describe('README', () => {
  it('documents every environment variable every service reads', async () => {
    const readme = await readFile(new URL('README.md', ROOT), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
    const schemas = {
      allInOneEnvSchema,
      apiEnvSchema,
      realtimeEnvSchema,
      mediaEnvSchema,
      transcoderEnvSchema,
    };
    const missing = Object.entries(schemas).flatMap(([schema, s]) =>
      Object.keys(s.shape)
        .filter((name) => !documented.has(name))
        .map((name) => `${name} (${schema})`),
    );
    expect(missing, 'variables missing from the README table').toEqual([]);
    const known = new Set(Object.values(schemas).flatMap((s) => Object.keys(s.shape)));
    expect([...documented].filter((name) => !known.has(name) && name !== 'MEDIASOUP_WORKER_BIN')).toEqual([]);
  });
});
