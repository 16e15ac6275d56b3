import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitorPages } from '@stint/web';
import { startWebStack, type WebStack } from './web-stack.ts';

/** The monitor as a deployment with single sign-on builds it: sessions opened with an OIDC access token. */

const LOCAL = 'http://localhost';

let web: WebStack;
/** A job of the tenant the stack submits to. */
let jobId: string;
beforeAll(async () => {
  web = await startWebStack();
  jobId = (await web.submit({ type: 'EXECUTE_LISTENER', label: 'a job behind the wall', data: { listenerName: 'oidc', ms: 0 } })).id;
});
afterAll(() => web?.stop());

describe('signing in with an OIDC token', () => {
  const issuer = 'https://id.example.test';
  const audience = 'stint-monitor';
  let oidcApp: ReturnType<typeof createMonitorPages>;
  let sign: (claims: Record<string, unknown>, expiresIn?: string, key?: CryptoKey) => Promise<string>;
  let strangerKey: CryptoKey;

  beforeAll(async () => {
    const provider = await generateKeyPair('ES256');
    strangerKey = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...(await exportJWK(provider.publicKey)), kid: 'k1', alg: 'ES256' };
    sign = (claims, expiresIn = '10m', key = provider.privateKey) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject('user-7')
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(key);
    // The monitor as a deployment with single sign-on builds it, over the same stack.
    oidcApp = createMonitorPages({
      engine: web.stack.runtime.engine,
      clients: web.stack.clients,
      config: web.stack.runtime.config,
      auth: { adminToken: null, oidc: { issuer, audience, jwks: createLocalJWKSet({ keys: [jwk] }) } },
      sessionSecret: 'a-session-secret-for-the-oidc-tests-only',
    });
  });

  const signInWith = (token: string) =>
    oidcApp.request('/sign-in', {
      method: 'POST',
      headers: { origin: LOCAL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, next: '/jobs' }),
    });

  it('says on the sign-in page that a token is accepted', async () => {
    expect(await (await oidcApp.request('/sign-in')).text()).toContain('paste the access token (a JWT)');
  });

  it('opens a session as the token’s principal that ends when the token does', async () => {
    const response = await signInWith(await sign({ stint_role: 'tenant-admin', stint_tenant: 'default', email: 'ada@example.test' }, '10m'));
    expect(response.status).toBe(303);
    const setCookie = response.headers.get('set-cookie')!;
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)![1]);
    expect(maxAge).toBeGreaterThan(500);
    expect(maxAge).toBeLessThanOrEqual(600);

    const html = await (await oidcApp.request('/jobs', { headers: { cookie: setCookie.split(';')[0]! } })).text();
    expect(html).toContain('<span class="account__name">ada@example.test</span>');
    expect(html).toContain(' · default');
  });

  it('keeps the token’s tenant wall: another tenant’s job page is not found', async () => {
    const response = await signInWith(await sign({ stint_role: 'tenant-admin', stint_tenant: 'elsewhere' }));
    const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
    expect((await oidcApp.request(`/jobs/${jobId}`, { headers: { cookie } })).status).toBe(404);
    const admin = (await signInWith(await sign({ stint_role: 'admin' }))).headers.get('set-cookie')!.split(';')[0]!;
    expect((await oidcApp.request(`/jobs/${jobId}`, { headers: { cookie: admin } })).status).toBe(200);
  });

  it.each([
    ['a token that names no role', async () => sign({ groups: ['staff'] }), 'grants no access here'],
    ['a token signed by another key', async () => sign({ stint_role: 'admin' }, '10m', strangerKey), 'not accepted'],
    ['an expired token', async () => sign({ stint_role: 'admin' }, '-5m'), 'not accepted'],
  ])('refuses %s with a message and no cookie', async (_, token, message) => {
    const response = await signInWith(await token());
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain(message);
  });
});
