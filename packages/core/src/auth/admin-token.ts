import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal.ts';

/** The bootstrap token is a deployment secret; anything shorter is guessable. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

export const ADMIN_TOKEN_PRINCIPAL: Principal = { keyId: 'admin-token', name: 'bootstrap admin token', role: 'admin', tenant: null };

/**
 * Compares a presented token with the configured one in constant time. Both are hashed
 * first: timingSafeEqual needs equal lengths, and comparing digests leaks neither the
 * token's length nor how many leading characters matched.
 */
export function matchesAdminToken(presented: string, configured: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(configured));
}
