import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier, looksLikeJwt, type OidcVerifier } from './oidc.ts';

const issuer = 'https://id.example.test';
const audience = 'stint';
let privateKey: CryptoKey;
let verify: OidcVerifier;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'ES256' };
  verify = createOidcVerifier({ issuer, audience, jwks: createLocalJWKSet({ keys: [jwk] }), roleClaim: 'cognito:groups', tenantClaim: 'custom:tenant' });
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
  });
});
