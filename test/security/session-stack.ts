import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTVerifyGetKey } from 'jose';
import type { Hono } from 'hono';
import type { OidcOptions } from '@stint/core/auth/oidc';
import { createApi } from '@stint/functions/api/api';
import { createSessionAuth, createMonitorPages, createWebServices } from '@stint/web';
import type { ApiStack } from '../api/api-stack.ts';

export const SESSION_SECRET = 'a-session-secret-of-the-security-tests-0123456789';
export const LOCAL = 'http://localhost';
export const ISSUER = 'https://id.example.test';
export const AUDIENCE = 'stint';

/** An identity provider of our own: a key pair, its JWKS, and tokens signed with it. */
export interface TestIdp {
  jwks: JWTVerifyGetKey;
  options: OidcOptions;
  /** A token with these claims; `exp` (seconds) only when given, so a test can leave it out. */
  token(claims: Record<string, unknown>, exp?: number): Promise<string>;
}

export async function createTestIdp(): Promise<TestIdp> {
  const pair = await generateKeyPair('ES256');
  const privateKey: CryptoKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'ES256' };
  const jwks = createLocalJWKSet({ keys: [jwk] });
  return {
    jwks,
    options: { issuer: ISSUER, audience: AUDIENCE, jwks },
    async token(claims, exp) {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('s-1').setIssuedAt();
      if (exp !== undefined) jwt.setExpirationTime(exp);
      return jwt.sign(privateKey);
    },
  };
}

/**
 * The api with the monitor mounted beside it, composed as the Lambda handler and the local
 * stack compose them, over an api test stack's table. `oidc` null builds the deployment with
 * OIDC turned off; the secret is the same, so only the configuration differs.
 */
export function monitorApp(api: ApiStack, options: { oidc?: OidcOptions | null; adminToken?: string } = {}): Hono {
  const auth = { adminToken: options.adminToken ?? api.tokens.admin, oidc: options.oidc ?? null };
  const base = { engine: api.stack.engine, clients: api.stack.clients, config: api.stack.config, auth };
  const web = createWebServices({ ...base, sessionSecret: SESSION_SECRET });
  const app = createApi({ ...base, sessionAuth: createSessionAuth(web), rateLimit: false, cursorSecret: SESSION_SECRET });
  app.route('/', createMonitorPages(web));
  return app as unknown as Hono;
}

/** Posts the sign-in form as a browser on the monitor's own origin does. */
export async function postSignIn(app: Hono, token: string, next = '/jobs'): Promise<Response> {
  return app.request('/sign-in', {
    method: 'POST',
    headers: { origin: LOCAL, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next }),
  });
}

/** The Cookie header a successful sign-in sets. */
export async function signIn(app: Hono, token: string): Promise<string> {
  const response = await postSignIn(app, token);
  if (response.status !== 303) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

/** The CSRF token a signed-in page carries. */
export async function csrfOf(app: Hono, cookie: string): Promise<string> {
  const html = await (await app.request('/jobs', { headers: { cookie } })).text();
  return /<meta name="stint-csrf" content="([^"]+)"/.exec(html)![1]!;
}
