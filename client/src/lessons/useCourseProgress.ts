import { useEffect, useState } from 'react';
import { CourseProgressSchema, PROGRESS_UPDATED_EVENT, type CourseProgress } from '@learnlive/contracts';
import { realtimeSocket } from '../community/realtime.js';
import { apiFetch } from '../lib/api.js';

/**
 * The learner's progress in a course, kept live: the API publishes `progress:updated` to
 * `user:<id>` after every accepted report (this tab's or another device's), and each one for
 * this course reloads it, so completion marks and the Continue target follow at once.
 * Null while loading, and for people who have no access (nothing to show).
 */
export function useCourseProgress(courseId: string, enabled: boolean): CourseProgress | null {
  const [progress, setProgress] = useState<CourseProgress | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const load = () =>
      apiFetch(`/api/courses/${courseId}/progress`, CourseProgressSchema).then(
        (value) => live && setProgress(value),
        () => {},
      );
    void load();
    const onUpdate = (event: { courseId: string }) => {
      if (event.courseId === courseId) void load();
    };
    const socket = realtimeSocket();
    void socket.then((s) => live && s.on(PROGRESS_UPDATED_EVENT, onUpdate));
    return () => {
      live = false;
      void socket.then((s) => s.off(PROGRESS_UPDATED_EVENT, onUpdate));
    };
  }, [courseId, enabled]);
  return progress;
}
