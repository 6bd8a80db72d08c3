import {
  LESSON_PROGRESS_EVENT,
  LessonProgressEventSchema,
  LessonVideoSchema,
  PlaybackSchema,
  type LessonProgressEvent,
} from '@learnlive/contracts';
import { io } from 'socket.io-client';
import { z } from 'zod';
import { ApiError, apiFetch, clientConfig } from '../lib/api.js';
import { getSession } from '../lib/session.js';

export const UploadIntentSchema = z.object({
  endpoint: z.string(),
  chunkBytes: z.number().int(),
  maxBytes: z.number().int(),
});

/** The lesson's video, or null when none was uploaded yet. */
export async function fetchLessonVideo(lessonId: string) {
  try {
    return await apiFetch(`/api/lessons/${lessonId}/video`, LessonVideoSchema);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export function fetchPlayback(lessonId: string) {
  return apiFetch(`/api/lessons/${lessonId}/playback`, PlaybackSchema);
}

/**
 * Live processing progress for the signed-in instructor (room `user:<id>` on the realtime
 * layer). Returns the unsubscribe function; without a realtime connection nothing arrives and
 * the page's polling still shows the state.
 */
export function subscribeLessonProgress(
  lessonId: string,
  onEvent: (event: LessonProgressEvent) => void,
): () => void {
  let closed = false;
  let socket: ReturnType<typeof io> | undefined;
  void clientConfig().then((config) => {
    const token = getSession()?.accessToken;
    if (closed || !token) return;
    socket = io(config.realtimeUrl, { auth: { token }, transports: ['websocket'] });
    socket.on(LESSON_PROGRESS_EVENT, (payload: unknown) => {
      const event = LessonProgressEventSchema.safeParse(payload);
      if (event.success && event.data.lessonId === lessonId) onEvent(event.data);
    });
  });
  return () => {
    closed = true;
    socket?.close();
  };
}
