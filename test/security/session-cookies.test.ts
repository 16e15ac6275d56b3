import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApiStack, type ApiStack } from '../api/api-stack.ts';
import { createTestIdp, csrfOf, LOCAL, monitorApp, postSignIn, SESSION_SECRET, signIn, type TestIdp } from './session-stack.ts';

let api: ApiStack;
useApiStack((stack) => (api = stack));

let idp: TestIdp;
let app: Hono;
beforeAll(async () => {
  idp = await createTestIdp();
  app = monitorApp(api, { oidc: idp.options });
});

const page = (target: Hono, cookie: string, path = '/jobs') => target.request(path, { headers: { cookie } });
const apiCall = (target: Hono, cookie: string) => target.request('/api/jobs', { headers: { cookie } });

describe('issue 11, item 4: the session secret and OIDC-kind sessions', () => {
  it('refuses an OIDC session once OIDC is no longer configured, though its signature is good', async () => {
    const admin = await idp.token({ stint_role: 'admin' }, Math.floor(Date.now() / 1000) + 600);
    const cookie = await signIn(app, admin);
    expect((await page(app, cookie)).status).toBe(200);

    // The same deployment, secret and table, with OIDC turned off.
    const withoutOidc = monitorApp(api, { oidc: null });
    const refused = await page(withoutOidc, cookie);
    expect(refused.status).toBe(302);
    expect(refused.headers.get('location')).toMatch(/^\/sign-in\?next=/);
    expect((await apiCall(withoutOidc, cookie)).status).toBe(401);
  });

  it('leaves nothing in the table that signs or replays a session', async () => {
    const cookie = await signIn(app, api.tokens.viewerA);
    const items = (await api.stack.clients.dynamo.send(new ScanCommand({ TableName: api.stack.config.tableName }))).Items ?? [];
    const text = JSON.stringify(items);
    const [payload, mac] = decodeURIComponent(cookie.split('=')[1]!).split('.');
    for (const secret of [SESSION_SECRET, api.tokens.admin, api.tokens.viewerA, payload!, mac!]) expect(text).not.toContain(secret);
  });
});

describe('issue 11, item 5: signing out ends the session on the server', () => {
  it('refuses the old cookie after sign-out, on pages and on the api', async () => {
    const cookie = await signIn(app, api.tokens.tenantAdminA);
    expect((await apiCall(app, cookie)).status).toBe(200);
    const csrf = await csrfOf(app, cookie);
    const out = await app.request('/sign-out', {
      method: 'POST',
      headers: { cookie, origin: LOCAL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf }),
    });
    expect(out.status).toBe(303);

    // A browser would drop the cookie; whoever copied it must not be able to go on with it.
    expect((await page(app, cookie)).status).toBe(302);
    expect((await apiCall(app, cookie)).status).toBe(401);
  });

  it('still ends a key’s sessions when the key is revoked', async () => {
    const { key, info } = await api.keys.create({ name: 'soon revoked', role: 'viewer', tenant: 'tenant-a' });
    const cookie = await signIn(app, key);
    expect((await apiCall(app, cookie)).status).toBe(200);
    await api.keys.revoke(info.id);
    expect((await apiCall(app, cookie)).status).toBe(401);
  });
});

describe('issue 11, item 6: where sign-in sends the browser', () => {
  it.each([
    ['a tab after the slash', '/%09/evil.example'],
    ['a line feed', '/%0a/evil.example'],
    ['a carriage return', '/%0d/evil.example'],
    ['a protocol-relative URL', '//evil.example/'],
    ['a backslash', '/%5Cevil.example'],
    ['an absolute URL', 'https%3A%2F%2Fevil.example%2F'],
    ['a relative path', 'jobs'],
  ])('answers 400 to next= %s, signed in or not', async (_name, next) => {
    const anonymous = await app.request(`/sign-in?next=${next}`);
    expect(anonymous.status).toBe(400);
    const cookie = await signIn(app, api.tokens.viewerA);
    const signedIn = await app.request(`/sign-in?next=${next}`, { headers: { cookie } });
    expect(signedIn.status).toBe(400);
    expect(signedIn.headers.get('location')).toBeNull();
    const posted = await postSignIn(app, api.tokens.viewerA, decodeURIComponent(next));
    expect(posted.status).toBe(400);
    expect(posted.headers.get('set-cookie')).toBeNull();
  });

  it('goes back to a path of this site, query included', async () => {
    const response = await postSignIn(app, api.tokens.viewerA, '/jobs?status=RUNNING');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/jobs?status=RUNNING');
    const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
    const again = await app.request(`/sign-in?next=${encodeURIComponent('/schedules?tab=runs')}`, { headers: { cookie } });
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/schedules?tab=runs');
  });
});
