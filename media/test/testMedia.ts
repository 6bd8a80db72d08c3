import { signToken, type Env } from '@learnlive/common';
import type { RoomRole } from '@learnlive/contracts';
import { TEST_JWT_SECRET, testLogger } from '@learnlive/testing';
import { loadMediaConfig } from '../src/config.js';
import { startMedia, type MediaDeps, type MediaService } from '../src/service.js';

/**
 * A media service for integration tests: signalling and WebRTC on port 0, one worker on
 * loopback, the test JWT secret. `env` adds or overrides settings.
 */
export function startTestMedia(env: Env = {}, deps?: MediaDeps, logName = 'media'): Promise<MediaService> {
  return startMedia(
    loadMediaConfig({
      JWT_SECRET: TEST_JWT_SECRET,
      MEDIA_PORT: '0',
      MEDIA_RTC_PORT: '0',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_WORKERS: '1',
      ...env,
    }),
    testLogger(logName),
    deps,
  );
}

/** The service's signalling URL. */
export const mediaUrl = (media: MediaService) => `http://127.0.0.1:${media.port}`;

/**
 * A room token for `sub` (named `sub`), valid 10 minutes; the room kind comes from the id (`live:…`).
 * `gen`: the user's token generation it carries (none: 0).
 */
export function roomToken(room: string, role: RoomRole, sub: string, gen?: number): string {
  const kind = room.split(':')[0] as 'live' | 'mentor';
  return signToken({ typ: 'room', sub, name: sub, room, kind, role, gen }, TEST_JWT_SECRET, 600);
}
