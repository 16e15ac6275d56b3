import { createServer } from 'node:http';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier, looksLikeJwt, type OidcVerifier } from './oidc.ts';

const issuer = 'https://id.example.test';
const audience = 'stint';
let privateKey: CryptoKey;
let verify: OidcVerifier;
let jwks: ReturnType<typeof createLocalJWKSet>;
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'ES256' };
  publicJwk = jwk;
  jwks = createLocalJWKSet({ keys: [jwk] });
  verify = createOidcVerifier({ issuer, audience, jwks, roleClaim: 'cognito:groups', tenantClaim: 'custom:tenant' });
});

const unsigned = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k' }).setIssuer(issuer).setAudience(audience).setSubject('s-1');
const sign = (claims: Record<string, unknown>) => unsigned(claims).setExpirationTime('1m').sign(privateKey);

describe('createOidcVerifier', () => {
  it.each([
    [{ 'cognito:groups': ['admin'] }, { role: 'admin', tenant: null }],
    [
      { 'cognito:groups': ['viewer', 'tenant-admin'], 'custom:tenant': 'acme' },
      { role: 'tenant-admin', tenant: 'acme' },
    ],
    [
      { 'cognito:groups': 'viewer', 'custom:tenant': 'acme', name: 'Ada' },
      { role: 'viewer', tenant: 'acme', name: 'Ada' },
    ],
  ])('maps %j', async (claims, principal) => {
    expect((await verify(await sign(claims))).principal).toMatchObject({ keyId: 'oidc:s-1', ...principal });
  });

  it('tells until when the token may be relied on: its exp', async () => {
    const exp = Math.floor(Date.now() / 1000) + 300;
    const token = await unsigned({ 'cognito:groups': ['admin'] })
      .setExpirationTime(exp)
      .sign(privateKey);
    expect((await verify(token)).expiresAt).toBe(exp * 1000);
  });

  it('refuses a token that never expires as unauthorized', async () => {
    const token = await unsigned({ 'cognito:groups': ['admin'] }).sign(privateKey);
    await expect(verify(token)).rejects.toMatchObject({ code: 'unauthorized', message: 'token rejected: ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  it.each([
    [{ 'cognito:groups': ['staff'] }, 'forbidden'],
    [{ 'cognito:groups': ['viewer'], 'custom:tenant': 'Not Valid' }, 'forbidden'],
  ])('refuses %j', async (claims, code) => {
    await expect(verify(await sign(claims))).rejects.toMatchObject({ code });
  });

  it('refuses a tampered token as unauthorized', async () => {
    const token = await sign({ 'cognito:groups': ['admin'] });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ iss: issuer, aud: audience, 'cognito:groups': ['admin'] })).toString('base64url')}.${signature}`;
    await expect(verify(forged)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('tells a JWT apart from other tokens', () => {
    expect(looksLikeJwt('aaa.bbb.ccc')).toBe(true);
    expect(looksLikeJwt('stint_abc')).toBe(false);
    // Anchored at both ends: three parts and nothing around them.
    expect(looksLikeJwt(' aaa.bbb.ccc')).toBe(false);
    expect(looksLikeJwt('aaa.bbb.ccc.')).toBe(false);
  });

  it('reads stint_role and stint_tenant when no claims are configured', async () => {
    const plain = createOidcVerifier({ issuer, audience, jwks });
    expect((await plain(await sign({ stint_role: 'viewer', stint_tenant: 'acme' }))).principal).toEqual({
      keyId: 'oidc:s-1',
      name: 's-1',
      role: 'viewer',
      tenant: 'acme',
    });
  });

  it.each([
    [{ email: 'ada@example.test', name: 'Ada' }, 'ada@example.test'],
    [{ email: '', name: 'Ada' }, 'Ada'],
    [{ email: 42, name: 'Ada' }, 'Ada'],
    [{ name: '' }, 's-1'],
  ])('names the principal from %j as %s: email, else name, else the subject', async (claims, name) => {
    expect((await verify(await sign({ 'cognito:groups': 'admin', ...claims }))).principal.name).toBe(name);
  });

  it('allows 30 s of clock skew by default, and no more', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = (secondsAgo: number) =>
      unsigned({ 'cognito:groups': ['admin'] })
        .setExpirationTime(now - secondsAgo)
        .sign(privateKey);
    expect((await verify(await expired(10))).principal.role).toBe('admin');
    await expect(verify(await expired(60))).rejects.toMatchObject({ code: 'unauthorized' });
    const strict = createOidcVerifier({ issuer, audience, jwks, roleClaim: 'cognito:groups', clockToleranceSeconds: 0 });
    await expect(strict(await expired(10))).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('lets a key source outage through as itself, not as a rejected token', async () => {
    const down = createOidcVerifier({
      issuer,
      audience,
      jwks: async () => {
        throw new Error('JWKS endpoint unreachable');
      },
    });
    await expect(down(await sign({ stint_role: 'admin' }))).rejects.toThrow(new Error('JWKS endpoint unreachable'));
  });

  it('says which claim lacks a role, and which a tenant', async () => {
    await expect(verify(await sign({ 'cognito:groups': ['staff'] }))).rejects.toMatchObject({
      code: 'forbidden',
      message: 'token has no cognito:groups claim naming a role (admin, tenant-admin, viewer)',
    });
    // No tenant claim at all: a missing claim is refused, not read as a tenant named "undefined".
    await expect(verify(await sign({ 'cognito:groups': ['viewer'] }))).rejects.toMatchObject({
      code: 'forbidden',
      message: 'a viewer token needs a custom:tenant claim naming one tenant',
    });
  });

  it.each([
    ['a missing parent claim', {}],
    ['a null parent claim', { realm: null }],
    ['a string parent claim', { realm: 'admin' }],
  ])('reads %s on a dotted role path as no role', async (_, claims) => {
    const nested = createOidcVerifier({ issuer, audience, jwks, roleClaim: 'realm.roles' });
    await expect(nested(await sign(claims))).rejects.toMatchObject({ code: 'forbidden' });
    expect((await nested(await sign({ realm: { roles: ['admin'] } }))).principal.role).toBe('admin');
  });

  it.each([
    ['no sub claim', {}],
    ['an empty sub claim', { sub: '' }],
  ])('refuses a token with %s: every such token would be one principal', async (_, claims) => {
    const token = await new SignJWT({ 'cognito:groups': 'admin', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime('1m')
      .sign(privateKey);
    await expect(verify(token)).rejects.toMatchObject({ code: 'unauthorized', message: 'token rejected: it has no sub claim naming its subject' });
  });

  it('fetches keys from <issuer>/.well-known/jwks.json, a trailing slash of the issuer dropped, unless told where', async () => {
    const asked: string[] = [];
    const server = createServer((request, response) => {
      asked.push(request.url ?? '');
      response.writeHead(request.url === '/.well-known/jwks.json' || request.url === '/keys' ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const local = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
      const token = await new SignJWT({ stint_role: 'admin' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k' })
        .setIssuer(local)
        .setAudience(audience)
        .setSubject('s-1')
        .setExpirationTime('1m')
        .sign(privateKey);
      expect((await createOidcVerifier({ issuer: local, audience })(token)).principal.role).toBe('admin');
      expect((await createOidcVerifier({ issuer: local, audience, jwksUrl: `${local}keys` })(token)).principal.role).toBe('admin');
      expect(asked).toEqual(['/.well-known/jwks.json', '/keys']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
