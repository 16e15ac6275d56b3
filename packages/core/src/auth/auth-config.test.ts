import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from './auth-config.ts';

describe('loadAuthConfig', () => {
  it('reads nothing configured as nothing enabled', () => {
    expect(loadAuthConfig({})).toEqual({ oidc: null });
  });

  it('reads the OIDC settings, and never an admin token from the environment', () => {
    expect(
      loadAuthConfig({
        STINT_ADMIN_TOKEN: 'x'.repeat(32),
        STINT_OIDC_ISSUER: 'https://id.example.test',
        STINT_OIDC_AUDIENCE: 'stint',
        STINT_OIDC_ROLE_CLAIM: 'cognito:groups',
        STINT_OIDC_TENANT_CLAIM: 'custom:tenant',
      }),
    ).toEqual({
      oidc: { issuer: 'https://id.example.test', audience: 'stint', roleClaim: 'cognito:groups', tenantClaim: 'custom:tenant' },
    });
  });

  it('trims the settings, reads blank ones as unset, and takes a JWKS address', () => {
    expect(
      loadAuthConfig({
        STINT_OIDC_ISSUER: ' https://id.example.test\n',
        STINT_OIDC_AUDIENCE: 'stint ',
        STINT_OIDC_JWKS_URL: 'https://id.example.test/keys',
        STINT_OIDC_ROLE_CLAIM: '   ',
      }),
    ).toEqual({ oidc: { issuer: 'https://id.example.test', audience: 'stint', jwksUrl: 'https://id.example.test/keys' } });
    expect(loadAuthConfig({ STINT_OIDC_ISSUER: ' ', STINT_OIDC_AUDIENCE: '' })).toEqual({ oidc: null });
  });

  it('says which half of OIDC is missing', () => {
    expect(() => loadAuthConfig({ STINT_OIDC_ISSUER: 'https://id.example.test' })).toThrow(
      expect.objectContaining({ message: 'set both STINT_OIDC_ISSUER and STINT_OIDC_AUDIENCE, or neither' }),
    );
  });

  it.each([
    [{ STINT_OIDC_ISSUER: 'https://id.example.test' }, 'STINT_OIDC_AUDIENCE'],
    [{ STINT_OIDC_AUDIENCE: 'stint' }, 'STINT_OIDC_ISSUER'],
  ])('refuses %j naming %s', (env, field) => {
    expect(() => loadAuthConfig(env)).toThrow(expect.objectContaining({ code: 'badRequest', field }));
  });
});
