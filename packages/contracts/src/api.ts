import { z } from 'zod';
import { RoomRoleSchema, UserRoleSchema } from './auth.js';

// REST DTOs of the API: request bodies are strict (unknown fields are refused), answers are
// what the server sends. The server validates both sides with these; the browser parses answers.

const Id = z.uuid();
const Timestamp = z.string().describe('ISO 8601, UTC');

// ---------------------------------------------------------------- accounts

export const EmailSchema = z.email().max(254);
/** At least 10 characters; the upper bound keeps hashing cost bounded. */
export const PasswordSchema = z.string().min(10, 'at least 10 characters').max(200);
export const DisplayNameSchema = z.string().trim().min(1).max(80);

/**
 * The languages the platform speaks. A user's locale picks the interface language and the
 * defaults of what they create (a course's language and currency).
 */
export const LOCALES = ['fr', 'en'] as const;
export const LocaleSchema = z.enum(LOCALES);
export type Locale = z.infer<typeof LocaleSchema>;
/** The platforms are French: the locale when nothing else says otherwise. */
export const DEFAULT_LOCALE: Locale = 'fr';

/** Roles a person may pick when signing up; `admin` is granted, never chosen. */
export const SIGN_UP_ROLES = ['learner', 'instructor', 'mentor'] as const;

export const RegisterRequestSchema = z.strictObject({
  email: EmailSchema,
  password: PasswordSchema,
  displayName: DisplayNameSchema,
  /** @default 'learner' */
  role: z.enum(SIGN_UP_ROLES).default('learner'),
  /** @default the request's `Accept-Language` if it names a supported locale, else `fr` */
  locale: LocaleSchema.optional(),
});
export type RegisterRequest = z.input<typeof RegisterRequestSchema>;

export const SignInRequestSchema = z.strictObject({
  email: EmailSchema,
  password: z.string().min(1).max(200),
});
export type SignInRequest = z.infer<typeof SignInRequestSchema>;

/** Refresh and sign-out take the refresh token from the body or the `ll_refresh` cookie. */
export const RefreshRequestSchema = z.strictObject({
  refreshToken: z.string().min(20).max(200).optional(),
});
export type RefreshRequest = z.infer<typeof RefreshRequestSchema>;

export const UserSchema = z.object({
  id: Id,
  email: z.string(),
  displayName: z.string(),
  role: UserRoleSchema,
  bio: z.string(),
  locale: LocaleSchema,
  createdAt: Timestamp,
});
export type User = z.infer<typeof UserSchema>;

export const SessionResponseSchema = z.object({
  accessToken: z.string(),
  /** When the access token expires (ISO). */
  accessTokenExpiresAt: Timestamp,
  /** Single use: each refresh returns a new one; reusing an old one revokes the whole family. */
  refreshToken: z.string(),
  refreshTokenExpiresAt: Timestamp,
  user: UserSchema,
});
export type SessionResponse = z.infer<typeof SessionResponseSchema>;

export const UpdateProfileRequestSchema = z
  .strictObject({
    displayName: DisplayNameSchema.optional(),
    bio: z.string().max(2000).optional(),
    locale: LocaleSchema.optional(),
    /** Changing the password needs the current one and signs out every other device. */
    password: z.strictObject({ current: z.string().min(1).max(200), next: PasswordSchema }).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequestSchema>;

export const ChangeRoleRequestSchema = z.strictObject({ role: UserRoleSchema });

// ---------------------------------------------------------------- room tokens

export const RoomTokenResponseSchema = z.object({
  token: z.string(),
  room: z.string(),
  role: RoomRoleSchema,
  expiresAt: Timestamp,
});
export type RoomTokenResponse = z.infer<typeof RoomTokenResponseSchema>;

// ---------------------------------------------------------------- courses

export const PRICING_KINDS = ['free', 'one_time', 'subscription'] as const;
export const PricingKindSchema = z.enum(PRICING_KINDS);
export type PricingKind = z.infer<typeof PricingKindSchema>;

export const COURSE_STATUSES = ['draft', 'published', 'archived'] as const;
export const CourseStatusSchema = z.enum(COURSE_STATUSES);
export type CourseStatus = z.infer<typeof CourseStatusSchema>;

export const LESSON_KINDS = ['video', 'text', 'quiz'] as const;
export const LessonKindSchema = z.enum(LESSON_KINDS);
export type LessonKind = z.infer<typeof LessonKindSchema>;

/** Money: integer minor units (cents) and an ISO 4217 code; `free` courses have amount 0. */
export const PriceSchema = z
  .strictObject({
    kind: PricingKindSchema,
    amount: z.number().int().min(0).max(100_000_000),
    /**
     * ISO 4217, lower case as Stripe writes it. @default on creation the instructor's locale's
     * (`COURSE_DEFAULTS`); on an update the course's current one.
     */
    currency: z
      .string()
      .regex(/^[a-z]{3}$/, 'ISO 4217 code, lower case as Stripe writes it')
      .optional(),
  })
  .refine((p) => (p.kind === 'free') === (p.amount === 0), {
    message: 'free courses cost 0 and paid ones more than 0',
    path: ['amount'],
  });
export type Price = z.infer<typeof PriceSchema>;

const Slugish = z.string().trim().min(1).max(60);
const LanguageSchema = z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'a language tag like en or pt-BR');

/**
 * What a new course takes from its instructor's locale when the request does not say: its
 * language, and its currency. The platforms are French and sell in euros whatever language the
 * instructor reads, so both locales default to EUR; a course in dollars says so explicitly.
 */
export const COURSE_DEFAULTS: {
  readonly [L in Locale]: { readonly language: string; readonly currency: string };
} = {
  fr: { language: 'fr', currency: 'eur' },
  en: { language: 'en', currency: 'eur' },
};

export const CreateCourseRequestSchema = z.strictObject({
  title: z.string().trim().min(3).max(140),
  summary: z.string().trim().max(400).default(''),
  description: z.string().max(20_000).default(''),
  domain: Slugish.default('general'),
  /** @default the instructor's locale's (`COURSE_DEFAULTS`) */
  language: LanguageSchema.optional(),
  /** @default free */
  price: PriceSchema.default({ kind: 'free', amount: 0 }),
});
export type CreateCourseRequest = z.input<typeof CreateCourseRequestSchema>;

export const UpdateCourseRequestSchema = z
  .strictObject({
    title: z.string().trim().min(3).max(140).optional(),
    summary: z.string().trim().max(400).optional(),
    description: z.string().max(20_000).optional(),
    domain: Slugish.optional(),
    language: LanguageSchema.optional(),
    price: PriceSchema.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateCourseRequest = z.input<typeof UpdateCourseRequestSchema>;

export const CourseSummarySchema = z.object({
  id: Id,
  title: z.string(),
  summary: z.string(),
  domain: z.string(),
  language: z.string(),
  price: z.object({ kind: PricingKindSchema, amount: z.number().int(), currency: z.string() }),
  status: CourseStatusSchema,
  instructor: z.object({ id: Id, displayName: z.string() }),
  lessonCount: z.number().int(),
  publishedAt: Timestamp.nullable(),
});
export type CourseSummary = z.infer<typeof CourseSummarySchema>;

export const CatalogQuerySchema = z.strictObject({
  /**
   * Full-text search over title, summary and description: every word must match, by stem in
   * the course's language (French, English) and regardless of accents; the last word also as a
   * prefix. Punctuation and operators are not syntax (they separate words).
   */
  q: z.string().trim().max(200).optional(),
  domain: z.string().max(60).optional(),
  language: z.string().max(10).optional(),
  pricing: PricingKindSchema.optional(),
  /** Upper bound on the price, minor units. */
  maxPrice: z.coerce.number().int().min(0).optional(),
  /** Opaque, from the previous page's `nextCursor`. */
  cursor: z.string().max(200).optional(),
  /** @default 20 */
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type CatalogQuery = z.input<typeof CatalogQuerySchema>;

export const CoursePageSchema = z.object({
  items: z.array(CourseSummarySchema),
  /** Null on the last page. */
  nextCursor: z.string().nullable(),
});
export type CoursePage = z.infer<typeof CoursePageSchema>;

export const LessonSchema = z.object({
  id: Id,
  moduleId: Id,
  title: z.string(),
  kind: LessonKindSchema,
  position: z.number().int(),
  durationSeconds: z.number().int(),
  /** Text lessons' content; only for people with access. */
  body: z.string().nullable(),
});
export type Lesson = z.infer<typeof LessonSchema>;

/** One lesson as its learner reads it: content plus where it sits in the course. */
export const LessonContentSchema = z.object({
  lesson: LessonSchema,
  courseId: Id,
  courseTitle: z.string(),
  moduleTitle: z.string(),
  /** Neighbours in outline order (across modules); null at either end. */
  previousLessonId: Id.nullable(),
  nextLessonId: Id.nullable(),
});
export type LessonContent = z.infer<typeof LessonContentSchema>;

export const ModuleSchema = z.object({
  id: Id,
  title: z.string(),
  position: z.number().int(),
  lessons: z.array(LessonSchema),
});
export type Module = z.infer<typeof ModuleSchema>;

export const COURSE_ACCESS = ['none', 'learner', 'instructor', 'admin'] as const;
export const CourseAccessSchema = z.enum(COURSE_ACCESS);
export type CourseAccessLevel = z.infer<typeof CourseAccessSchema>;

export const CourseDetailSchema = CourseSummarySchema.extend({
  description: z.string(),
  modules: z.array(ModuleSchema),
  /** What the caller may do with it (`none` when signed out or not enrolled). */
  access: CourseAccessSchema,
});
export type CourseDetail = z.infer<typeof CourseDetailSchema>;

export const CreateModuleRequestSchema = z.strictObject({ title: z.string().trim().min(1).max(140) });
export const UpdateModuleRequestSchema = z.strictObject({ title: z.string().trim().min(1).max(140) });

export const CreateLessonRequestSchema = z.strictObject({
  title: z.string().trim().min(1).max(140),
  kind: LessonKindSchema,
  /** Needed for progress percentages of video lessons. @default 0 */
  durationSeconds: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .default(0),
  body: z.string().max(100_000).optional(),
});
export const UpdateLessonRequestSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(140).optional(),
    durationSeconds: z
      .number()
      .int()
      .min(0)
      .max(24 * 3600)
      .optional(),
    body: z.string().max(100_000).optional(),
    /** Moves the lesson to another module of the same course. */
    moduleId: Id.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');

/** The complete new order: every id of the parent, once each. */
export const ReorderRequestSchema = z.strictObject({ ids: z.array(Id).min(1).max(500) });

// ---------------------------------------------------------------- enrollments

export const ENROLLMENT_SOURCES = ['free', 'purchase', 'subscription', 'admin'] as const;
export const EnrollmentSourceSchema = z.enum(ENROLLMENT_SOURCES);
export type EnrollmentSource = z.infer<typeof EnrollmentSourceSchema>;

export const EnrollmentSchema = z.object({
  courseId: Id,
  userId: Id,
  source: EnrollmentSourceSchema,
  status: z.enum(['active', 'revoked']),
  enrolledAt: Timestamp,
});
export type Enrollment = z.infer<typeof EnrollmentSchema>;

export const NEXT_LESSON_STATES = ['start', 'continue', 'review'] as const;

/**
 * Where a learner's Start/Continue button leads: the first unfinished lesson in outline order
 * (`start` when nothing was started yet, `continue` otherwise), or the first lesson (`review`)
 * when every lesson is complete. Null when the course has no lessons.
 */
export const NextLessonSchema = z.object({
  lessonId: Id,
  state: z.enum(NEXT_LESSON_STATES),
});
export type NextLesson = z.infer<typeof NextLessonSchema>;

export const MyLearningItemSchema = z.object({
  course: CourseSummarySchema,
  enrolledAt: Timestamp,
  /** 0..100, completed lessons over lessons. */
  progressPercent: z.number().int().min(0).max(100),
  completedLessons: z.number().int(),
  /** The lesson to resume, if any was started. */
  lastLessonId: Id.nullable(),
  nextLesson: NextLessonSchema.nullable(),
});
export const MyLearningSchema = z.object({ items: z.array(MyLearningItemSchema) });
export type MyLearning = z.infer<typeof MyLearningSchema>;

// ---------------------------------------------------------------- progress

/** One report from a player: where it is now and the span just watched (seconds). */
export const ProgressUpdateRequestSchema = z
  .strictObject({
    positionSeconds: z
      .number()
      .min(0)
      .max(24 * 3600),
    /** Seconds actually played since the last report: [from, to), merged server-side. */
    watched: z
      .array(z.tuple([z.number().min(0), z.number().min(0)]))
      .max(50)
      .default([]),
    /** Text and quiz lessons: the learner marks them done. */
    done: z.boolean().optional(),
  })
  .refine((v) => v.watched.every(([a, b]) => b >= a), {
    message: 'each watched span ends after it starts',
    path: ['watched'],
  });
export type ProgressUpdateRequest = z.input<typeof ProgressUpdateRequestSchema>;

export const LessonProgressSchema = z.object({
  lessonId: Id,
  courseId: Id,
  positionSeconds: z.number(),
  /** Unique seconds watched (overlapping replays count once). */
  watchedSeconds: z.number(),
  completed: z.boolean(),
  completedAt: Timestamp.nullable(),
  updatedAt: Timestamp,
});
export type LessonProgress = z.infer<typeof LessonProgressSchema>;

export const CourseProgressSchema = z.object({
  courseId: Id,
  percent: z.number().int().min(0).max(100),
  completedLessons: z.number().int(),
  totalLessons: z.number().int(),
  lessons: z.array(LessonProgressSchema),
  nextLesson: NextLessonSchema.nullable(),
});
export type CourseProgress = z.infer<typeof CourseProgressSchema>;

/**
 * Realtime event `progress:updated`, published to `user:<userId>` (the learner's other devices)
 * and `course-staff:<courseId>` (the instructor's dashboard) after each accepted update.
 */
export const ProgressUpdatedEventSchema = z.object({
  userId: Id,
  courseId: Id,
  lesson: LessonProgressSchema,
  coursePercent: z.number().int().min(0).max(100),
});
export type ProgressUpdatedEvent = z.infer<typeof ProgressUpdatedEventSchema>;
export const PROGRESS_UPDATED_EVENT = 'progress:updated' as const;
