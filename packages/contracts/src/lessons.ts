import { z } from 'zod';

/**
 * Recorded lessons: an instructor uploads one video per lesson; the transcoder turns it into an
 * HLS ladder; entitled learners play it through short-lived signed playback URLs.
 */
export const LESSON_VIDEO_STATUSES = ['uploading', 'queued', 'processing', 'ready', 'failed'] as const;
export const LessonVideoStatusSchema = z.enum(LESSON_VIDEO_STATUSES);
export type LessonVideoStatus = z.infer<typeof LessonVideoStatusSchema>;

export const TRANSCODE_STAGES = ['downloading', 'probing', 'transcoding', 'uploading', 'publishing'] as const;
export const TranscodeStageSchema = z.enum(TRANSCODE_STAGES);
export type TranscodeStage = z.infer<typeof TranscodeStageSchema>;

/** One rung of the published ladder. */
export const RenditionSchema = z.object({
  name: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** Video bitrate asked of the encoder, bits per second. */
  bitrate: z.number().int(),
});
export type Rendition = z.infer<typeof RenditionSchema>;

export const LessonVideoSchema = z.object({
  lessonId: z.string().uuid(),
  status: LessonVideoStatusSchema,
  /** Set while processing. */
  stage: TranscodeStageSchema.nullable(),
  percent: z.number().min(0).max(100).nullable(),
  /** Why it failed, written for the instructor. */
  failureReason: z.string().nullable(),
  /**
   * Learners can play a ladder now: this upload's once ready, or the previous upload's while a
   * re-upload is processed (duration and renditions describe that ladder).
   */
  playable: z.boolean(),
  durationSeconds: z.number().nullable(),
  renditions: z.array(RenditionSchema),
  captions: z.array(z.object({ language: z.string(), label: z.string() })),
  updatedAt: z.string(),
});
export type LessonVideo = z.infer<typeof LessonVideoSchema>;

/** Pushed to room `user:<instructorId>` as `lesson:progress` while a lesson video is processed. */
export const LessonProgressEventSchema = z.object({
  lessonId: z.string(),
  status: LessonVideoStatusSchema,
  stage: TranscodeStageSchema.nullable(),
  percent: z.number().min(0).max(100).nullable(),
  failureReason: z.string().nullable(),
});
export type LessonProgressEvent = z.infer<typeof LessonProgressEventSchema>;
export const LESSON_PROGRESS_EVENT = 'lesson:progress';

/** What the player needs: every URL is signed and short-lived. */
export const PlaybackSchema = z.object({
  lessonId: z.string(),
  /** For the course's progress (resume position). */
  courseId: z.string(),
  /** Master playlist; the playlists and segments it names carry the same signature. */
  masterUrl: z.string(),
  posterUrl: z.string().nullable(),
  /** WebVTT mapping time ranges to storyboard sprite regions (`#xywh=`). */
  storyboardUrl: z.string().nullable(),
  captions: z.array(z.object({ language: z.string(), label: z.string(), url: z.string() })),
  durationSeconds: z.number(),
  /** Seconds. */
  expiresIn: z.number().int(),
});
export type Playback = z.infer<typeof PlaybackSchema>;

/** Caption languages: BCP 47 tags such as `en`, `pt-BR`. */
export const CaptionLanguageSchema = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag');
