import { describe, expect, it } from 'vitest';
import { useApiStack, type ApiStack } from '../api/api-stack.ts';
import { createTestIdp, monitorApp, postSignIn, signIn } from './session-stack.ts';

const idp = await createTestIdp();
/** The engine's clock, which sessions are judged by; a test moves it past a token's expiry. */
let skewMs = 0;
let api: ApiStack;
useApiStack((stack) => (api = stack), { oidc: idp.options, clock: () => Date.now() + skewMs });

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('issue 11, item 9: OIDC tokens must expire', () => {
  it('refuses a token without exp on the api and at sign-in', async () => {
    const forever = await idp.token({ stint_role: 'admin' });
    expect((await api.call('GET', '/api/jobs', { token: forever })).status).toBe(401);
    const response = await postSignIn(monitorApp(api, { oidc: idp.options }), forever);
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('accepts a token with exp, and the session it signs in ends with the token', async () => {
    const token = await idp.token({ stint_role: 'admin' }, nowSeconds() + 120);
    expect((await api.call('GET', '/api/jobs', { token })).status).toBe(200);
    const app = monitorApp(api, { oidc: idp.options });
    const cookie = await signIn(app, token);
    expect((await app.request('/api/jobs', { headers: { cookie } })).status).toBe(200);
    skewMs = 121_000;
    try {
      expect((await app.request('/api/jobs', { headers: { cookie } })).status).toBe(401);
    } finally {
      skewMs = 0;
    }
  });
});
