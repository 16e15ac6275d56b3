export { ADMIN_TOKEN_PRINCIPAL, matchesAdminToken, MIN_ADMIN_TOKEN_LENGTH } from './admin-token.ts';
export { AUTH_ENV, loadAuthConfig, type AuthConfig } from './auth-config.ts';
export { Authenticator, type AuthenticatorOptions } from './authenticator.ts';
export { assertAdmin, assertCanWrite, scopeOf, submissionTenant } from './authorize.ts';
export { ApiKeyStore, generateApiKey, hashApiKey, validateNewKey, type ApiKeyInfo, type NewApiKey } from './key-store.ts';
export { KEYS_USAGE, runKeysCommand, type CommandOutput } from './keys-command.ts';
export { createOidcVerifier, looksLikeJwt, type OidcOptions, type OidcVerifier } from './oidc.ts';
export { ADMIN_TENANT, DEFAULT_TENANT, isRole, ROLES, TENANT_PATTERN, type Principal, type Role } from './principal.ts';
export { TenantDirectory } from './tenant-directory.ts';
