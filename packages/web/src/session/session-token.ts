import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ROLES } from '@stint/core/auth';

/**
 * A session is a signed (not encrypted) cookie value: `<payload>.<mac>`, both base64url, signed
 * with the api's secret (which only the api function can read; see docs/deploy.md). It is also
 * live on the server until sign-out (session-store.ts). It never holds the credential itself,
 * only what lets each request re-check it:
 *   key          the API key's SHA-256, the same lookup key the key store uses, so a revoked key
 *                stops working on the next request
 *   admin-token  an HMAC of the bootstrap token, so rotating the token ends its sessions
 *   oidc         the principal the identity provider vouched for, until its token expires, and
 *                only while OIDC is configured
 */
const principalSchema = z.strictObject({
  keyId: z.string().min(1).max(300),
  name: z.string().max(300),
  role: z.enum(ROLES),
  tenant: z.string().max(64).nullable(),
});

const credentialSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('key'), hash: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
  z.strictObject({ kind: z.literal('admin-token'), digest: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
  z.strictObject({ kind: z.literal('oidc'), principal: principalSchema }),
]);

const claimsSchema = z.strictObject({
  v: z.literal(2),
  /** Random per sign-in: the CSRF token is derived from it. */
  sid: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  /** Expiry, ms since the epoch. */
  exp: z.number().int().positive(),
  cred: credentialSchema,
});

export type SessionCredential = z.infer<typeof credentialSchema>;
export type SessionClaims = z.infer<typeof claimsSchema>;

/** Cookies over ~4 KB are dropped by browsers; ours stay far below, so a longer one is not ours. */
const MAX_TOKEN_LENGTH = 3000;

export function newSessionClaims(cred: SessionCredential, exp: number): SessionClaims {
  return { v: 2, sid: randomBytes(16).toString('base64url'), exp, cred };
}

export function signSession(claims: SessionClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, `session:${payload}`)}`;
}

/** The claims of a cookie value this server signed and that has not expired; null otherwise. */
export function verifySession(token: string | undefined, secret: string, now: number): SessionClaims | null {
  if (!token || token.length > MAX_TOKEN_LENGTH) return null;
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  if (!safeEqual(signature, mac(secret, `session:${payload}`))) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = claimsSchema.safeParse(json);
  if (!parsed.success || parsed.data.exp <= now) return null;
  return parsed.data;
}

/** Sent back by the page's script on every mutating request; a cross-site page cannot read it. */
export function csrfTokenOf(claims: SessionClaims, secret: string): string {
  return mac(secret, `csrf:${claims.sid}`);
}

export function mac(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('base64url');
}

/** Constant time for equal lengths; lengths of our MACs are public anyway. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
