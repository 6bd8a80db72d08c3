import { z } from 'zod';

/**
 * Instants travel as ISO 8601 strings with an offset (`2026-11-22T18:00:00Z`); the API stores
 * them as UTC `timestamptz` and the browser shows them in the viewer's time zone.
 */
export const InstantSchema = z.iso.datetime({ offset: true });

export const LIVE_CLASS_STATUSES = ['scheduled', 'live', 'ended', 'canceled'] as const;
export const LiveClassStatusSchema = z.enum(LIVE_CLASS_STATUSES);
export type LiveClassStatus = z.infer<typeof LiveClassStatusSchema>;

export const LiveClassSchema = z.object({
  id: z.string(),
  courseId: z.string(),
  title: z.string(),
  /** UTC, ISO 8601. */
  startsAt: z.string(),
  durationMinutes: z.number().int(),
  /** Computed from the clock: live from start until start + duration. */
  status: LiveClassStatusSchema,
  /** Signed link to this class as an iCalendar event (`text/calendar`). */
  icsUrl: z.string(),
  /** Client route of the live room. */
  joinPath: z.string(),
});
export type LiveClass = z.infer<typeof LiveClassSchema>;
export const LiveClassListSchema = z.object({ items: z.array(LiveClassSchema) });

/**
 * A recording about to start (`POST /api/live-classes/{id}/recordings`): the lesson it becomes
 * (in the course's "Recordings" module, its video awaiting the file) and the token the teacher
 * hands to the media service (`startRecording`).
 */
export const LiveRecordingSchema = z.object({
  lessonId: z.string(),
  moduleId: z.string(),
  title: z.string(),
  /** Recording token (short-lived): valid for this live class's room and the caller only. */
  token: z.string(),
  expiresAt: z.string(),
});
export type LiveRecording = z.infer<typeof LiveRecordingSchema>;

/** Passive viewing of a live class as HLS (`POST /api/live-streams` with a room token). */
export const LiveStreamTicketSchema = z.object({
  /** Sliding HLS playlist; segments are named relative to it and carry the same ticket. */
  playlistUrl: z.string(),
  /** Ask again (with a fresh room token) before this. */
  expiresAt: z.string(),
});
export type LiveStreamTicket = z.infer<typeof LiveStreamTicketSchema>;

export const CreateLiveClassRequestSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  startsAt: InstantSchema,
  /** @default 60 */
  durationMinutes: z.number().int().min(5).max(600).default(60),
});
export const UpdateLiveClassRequestSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    startsAt: InstantSchema.optional(),
    durationMinutes: z.number().int().min(5).max(600).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');

export const SlotSchema = z.object({
  id: z.string(),
  mentorId: z.string(),
  mentorName: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  /** `open` can be booked; `booked` is taken; `withdrawn` was removed by the mentor. */
  status: z.enum(['open', 'booked', 'withdrawn']),
});
export type Slot = z.infer<typeof SlotSchema>;
export const SlotListSchema = z.object({ items: z.array(SlotSchema) });

export const CreateSlotRequestSchema = z
  .strictObject({ startsAt: InstantSchema, endsAt: InstantSchema })
  .refine((v) => Date.parse(v.endsAt) > Date.parse(v.startsAt), {
    message: 'must end after it starts',
    path: ['endsAt'],
  })
  .refine((v) => Date.parse(v.endsAt) - Date.parse(v.startsAt) <= 4 * 3600_000, {
    message: 'a slot lasts at most 4 hours',
    path: ['endsAt'],
  });

export const MentorSchema = z.object({ id: z.string(), name: z.string(), openSlots: z.number().int() });
export const MentorListSchema = z.object({ items: z.array(MentorSchema) });

export const BOOKING_STATUSES = ['booked', 'canceled', 'rescheduled'] as const;
export const BookingStatusSchema = z.enum(BOOKING_STATUSES);

export const BookingSchema = z.object({
  id: z.string(),
  slotId: z.string(),
  mentorId: z.string(),
  mentorName: z.string(),
  learnerId: z.string(),
  learnerName: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  status: BookingStatusSchema,
  /** Which side this person is on. */
  side: z.enum(['mentor', 'mentee']),
  /** Set when this booking was moved: the booking that replaced it. */
  rescheduledTo: z.string().nullable(),
  /** Whether this person already left feedback. */
  feedbackGiven: z.boolean(),
  icsUrl: z.string(),
  joinPath: z.string(),
});
export type Booking = z.infer<typeof BookingSchema>;
export const BookingListSchema = z.object({ items: z.array(BookingSchema) });

export const CreateBookingRequestSchema = z.strictObject({ slotId: z.uuid() });
export const CancelBookingRequestSchema = z.strictObject({
  reason: z.string().trim().max(500).optional(),
});
export const RescheduleBookingRequestSchema = z.strictObject({ slotId: z.uuid() });

export const FeedbackRequestSchema = z.strictObject({
  rating: z.number().int().min(1).max(5),
  comment: z.string().trim().max(2000).default(''),
});
export const FeedbackSchema = z.object({
  bookingId: z.string(),
  authorId: z.string(),
  side: z.enum(['mentor', 'mentee']),
  rating: z.number().int(),
  comment: z.string(),
  createdAt: z.string(),
});
export const FeedbackListSchema = z.object({ items: z.array(FeedbackSchema) });
