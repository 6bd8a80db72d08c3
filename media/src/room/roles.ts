import type { MediaSource, RoomRole } from '@learnlive/contracts';

/** The kinds of room media serves. */
export type MediaRoomKind = 'live' | 'mentor';

/** Who may be in a room of each kind. */
export const ROOM_MEMBERS: { readonly [K in MediaRoomKind]: ReadonlySet<RoomRole> } = {
  live: new Set(['teacher', 'speaker', 'learner', 'moderator']),
  mentor: new Set(['mentor', 'mentee']),
};

/**
 * Roles that publish from the moment they join, any source (screen included). Anyone else
 * publishes only after a teacher's grant, and then `GRANTED_SOURCES` only.
 */
export const PUBLISHING_ROLES: ReadonlySet<RoomRole> = new Set(['teacher', 'speaker', 'mentor', 'mentee']);

/** What a learner a teacher let speak (a raised hand granted) may publish. */
export const GRANTED_SOURCES: ReadonlySet<MediaSource> = new Set(['mic', 'camera']);

/** Roles that may grant, revoke, mute and kick. */
export const MODERATING_ROLES: ReadonlySet<RoomRole> = new Set(['teacher', 'moderator']);
