/** A JWT secret valid for every service's config (32+ characters). */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
