import type { Queryable } from '@learnlive/common';
import type { Principal } from '../entitlements.js';

/**
 * Who a user id is, for entitlement decisions about someone who is not the caller (a speaker
 * being invited, the person a signed calendar link names). Undefined for no such user.
 */
export async function principalById(db: Queryable, id: string): Promise<Principal | undefined> {
  const { rows } = await db.query<Principal>('select id, role from users where id = $1', [id]);
  return rows[0];
}
