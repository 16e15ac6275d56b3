import { createServer, type Server } from 'node:http';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { describe, expect, it, beforeAll } from 'vitest';
import { hashApiKey } from '@stint/core/auth/key-store';
import { runKeysCommand } from '@stint/core/auth/keys-command';
import type { OidcOptions } from '@stint/core/auth/oidc';
import { createApi } from '@stint/functions/api/api';
import { TokenBuckets } from '@stint/functions/api/rate-limit';
import { ADMIN_TOKEN, useApiStack, type ApiStack } from './api-stack.ts';

let api: ApiStack;
useApiStack((stack) => (api = stack));

const appWith = (options: { oidc?: OidcOptions; rateLimit?: { perSecond: number; burst: number } }) =>
  createApi({
    engine: api.stack.engine,
    clients: api.stack.clients,
    config: api.stack.config,
    auth: { adminToken: ADMIN_TOKEN, oidc: options.oidc ?? null },
    rateLimit: options.rateLimit ?? false,
  });

describe('API keys', () => {
  it('issues a key once, lists it without the secret, and revokes it for good', async () => {
    const created = await api.call('POST', '/api/keys', { body: { name: 'ci pipeline', role: 'viewer', tenant: 'acme' } });
    expect(created.status).toBe(201);
    const { key, ...info } = (await created.json()) as { key: string; id: string; revokedAt: number | null };
    expect(key).toMatch(/^stint_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ name: 'ci pipeline', role: 'viewer', tenant: 'acme', revokedAt: null });
    expect((await api.call('GET', '/api/summary', { token: key })).status).toBe(200);

    const listed = (await (await api.call('GET', '/api/keys')).json()) as { items: Array<Record<string, unknown>> };
    const entry = listed.items.find((k) => k.id === info.id);
    expect(entry).toEqual({ ...info });

    const revoked = await api.call('DELETE', `/api/keys/${info.id}`);
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revokedAt: number | null }).revokedAt).toEqual(expect.any(Number));
    const refused = await api.call('GET', '/api/summary', { token: key });
    expect(refused.status).toBe(401);
  });

  it('stores only the SHA-256 of a key', async () => {
    const { key } = (await (await api.call('POST', '/api/keys', { body: { name: 'hash check', role: 'admin' } })).json()) as { key: string };
    const items = await Promise.all(
      ['KEYS', `K#${hashApiKey(key)}`].map(
        async (pk) =>
          (
            await api.stack.clients.dynamo.send(
              new QueryCommand({ TableName: api.stack.config.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }),
            )
          ).Items,
      ),
    );
    expect(items[1]).toHaveLength(1);
    expect(JSON.stringify(items)).not.toContain(key);
  });

  it.each([
    [{ name: 'x', role: 'viewer' }, 'tenant'],
    [{ name: 'x', role: 'admin', tenant: 'acme' }, 'tenant'],
    [{ name: 'x', role: 'owner', tenant: 'acme' }, 'role'],
    [{ name: '', role: 'admin' }, 'name'],
    [{ name: 'x', role: 'viewer', tenant: 'Bad Tenant' }, 'tenant'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const response = await api.call('POST', '/api/keys', { body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'badRequest', field } });
  });

  it('is for admins only, and an unknown key id is 404', async () => {
    expect((await api.call('POST', '/api/keys', { token: api.tokens.tenantAdminA, body: { name: 'x', role: 'admin' } })).status).toBe(403);
    expect((await api.call('GET', '/api/keys', { token: api.tokens.viewerA })).status).toBe(403);
    expect((await api.call('GET', '/api/keys', { token: api.tokens.adminKey })).status).toBe(200);
    const missing = await api.call('DELETE', '/api/keys/k0000000000000000');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'notFound', message: 'API key k0000000000000000 not found' } });
  });

  it('accepts the bootstrap admin token only exactly', async () => {
    expect((await api.call('GET', '/api/keys', { token: ADMIN_TOKEN })).status).toBe(200);
    expect((await api.call('GET', '/api/keys', { token: `${ADMIN_TOKEN}x` })).status).toBe(401);
    expect((await api.call('GET', '/api/keys', { token: ADMIN_TOKEN.slice(0, -1) })).status).toBe(401);
  });
});

describe('keys command', () => {
  it('creates, lists and revokes keys from argv', async () => {
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(`ERR ${line}`) };
    expect(await runKeysCommand(['create', '--name', 'ops', '--role', 'tenant-admin', '--tenant', 'acme'], api.keys, io)).toBe(0);
    const key = lines.find((l) => l.startsWith('key: '))!.slice(5);
    const id = lines[0]!.split(/\s+/)[1]!;
    expect((await api.call('GET', '/api/summary', { token: key })).status).toBe(200);

    lines.length = 0;
    expect(await runKeysCommand(['list'], api.keys, io)).toBe(0);
    expect(lines.some((l) => l.startsWith(`${id}  tenant-admin  tenant=acme  "ops"`))).toBe(true);
    expect(await runKeysCommand(['revoke', id], api.keys, io)).toBe(0);
    expect((await api.call('GET', '/api/summary', { token: key })).status).toBe(401);
  });

  it.each([
    [['create', '--name', 'x', '--role', 'boss'], 2, 'ERR role must be admin, tenant-admin or viewer'],
    [['revoke', 'k404'], 1, 'ERR API key k404 not found'],
    [['create', '--colour', 'red'], 2, "ERR Unknown option '--colour'"],
    [['rotate'], 2, 'ERR usage: npm run keys -- <command>'],
  ])('%j exits %i', async (argv, code, first) => {
    const lines: string[] = [];
    expect(await runKeysCommand(argv, api.keys, { out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`) })).toBe(code);
    expect(lines[0]).toContain(first);
  });
});

describe('OIDC tokens', () => {
  const issuer = 'https://login.example.test';
  const audience = 'stint-api';
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  let jwk: JWK;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
    otherKey = (await generateKeyPair('RS256')).privateKey;
  });

  const sign = (claims: Record<string, unknown>, options: { key?: CryptoKey; audience?: string; expires?: string; iss?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(options.iss ?? issuer)
      .setAudience(options.audience ?? audience)
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime(options.expires ?? '5m')
      .sign(options.key ?? privateKey);

  const request = (app: ReturnType<typeof appWith>, token: string, path = '/api/jobs', init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });

  it('maps the role and tenant claims to a principal', async () => {
    const app = appWith({ oidc: { issuer, audience, jwks: createLocalJWKSet({ keys: [jwk] }) } });
    expect((await request(app, await sign({ stint_role: 'admin' }), '/api/keys')).status).toBe(200);
    const submitted = await request(app, await sign({ stint_role: 'tenant-admin', stint_tenant: 'oidc-co', email: 'ada@example.test' }), '/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ type: 'QUICK' }),
    });
    expect(submitted.status).toBe(201);
    expect(await submitted.json()).toMatchObject({ tenant: 'oidc-co', runBy: { id: 'oidc:user-1', name: 'ada@example.test' } });
    expect((await request(app, await sign({ stint_role: 'viewer', stint_tenant: 'oidc-co' }), '/api/keys')).status).toBe(403);
  });

  it('reads roles from a configured list claim, the most privileged first', async () => {
    const app = appWith({ oidc: { issuer, audience, jwks: createLocalJWKSet({ keys: [jwk] }), roleClaim: 'realm.roles', tenantClaim: 'org' } });
    const token = await sign({ realm: { roles: ['offline_access', 'viewer', 'tenant-admin'] }, org: 'acme' });
    const response = await request(app, token, '/api/jobs', { method: 'POST', body: JSON.stringify({ type: 'QUICK' }) });
    expect(response.status).toBe(201);
  });

  it.each([
    ['a token for another audience', async () => sign({ stint_role: 'admin' }, { audience: 'other' }), 401],
    ['an expired token', async () => sign({ stint_role: 'admin' }, { expires: '-10m' }), 401],
    ['a token from another issuer', async () => sign({ stint_role: 'admin' }, { iss: 'https://evil.example.test' }), 401],
    ['a token signed by another key', async () => sign({ stint_role: 'admin' }, { key: otherKey }), 401],
    ['a token without a role', async () => sign({}), 403],
    ['a tenant-admin token without a tenant', async () => sign({ stint_role: 'tenant-admin' }), 403],
  ])('refuses %s', async (_, token, status) => {
    const app = appWith({ oidc: { issuer, audience, jwks: createLocalJWKSet({ keys: [jwk] }) } });
    const response = await request(app, await token());
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { code: status === 401 ? 'unauthorized' : 'forbidden' } });
  });

  it('fetches the signing keys from the issuer’s JWKS endpoint', async () => {
    const server: Server = createServer((req, res) => {
      res.writeHead(req.url === '/.well-known/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const local = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const app = appWith({ oidc: { issuer: local, audience } });
      expect((await request(app, await sign({ stint_role: 'admin' }, { iss: local }), '/api/keys')).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once a key’s bucket is empty, per key', async () => {
    const app = appWith({ rateLimit: { perSecond: 1, burst: 2 } });
    const get = (token: string) => app.request('/api/summary', { headers: { authorization: `Bearer ${token}` } });
    expect((await get(api.tokens.viewerA)).status).toBe(200);
    expect((await get(api.tokens.viewerA)).status).toBe(200);
    const limited = await get(api.tokens.viewerA);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({ error: { code: 'rateLimited', message: 'too many requests; retry in 1 s' } });
    expect((await get(api.tokens.tenantAdminA)).status).toBe(200);
  });

  it('refills buckets over time', () => {
    let now = 0;
    const buckets = new TokenBuckets({ perSecond: 2, burst: 1 }, () => now);
    expect(buckets.take('k')).toBe(0);
    expect(buckets.take('k')).toBe(1);
    now += 500;
    expect(buckets.take('k')).toBe(0);
  });
});
