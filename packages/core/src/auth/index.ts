/** `@stint/core/auth`: principals and scopes, who may do and start what, api keys, OIDC, the api's secrets. */
export { ADMIN_TOKEN_PRINCIPAL } from './admin-token.ts';
export { checkedSecret, loadApiSecrets, MIN_SESSION_SECRET_LENGTH, SECRET_ENV, type ApiSecrets } from './api-secrets.ts';
export { AUTH_ENV, loadAuthConfig, type AuthConfig } from './auth-config.ts';
export { Authenticator } from './authenticator.ts';
export { assertAdmin, assertCanWrite, scopeOf, submissionTenant } from './authorize.ts';
export { typeAccess, type ExternalType, type Submitter, type TypeAccess } from './job-access.ts';
export { JobTypeCatalog } from './job-types.ts';
export { ApiKeyStore, type NewApiKey } from './key-store.ts';
export { runKeysCommand } from './keys-command.ts';
export { createOidcVerifier, type OidcOptions } from './oidc.ts';
export { ADMIN_TENANT, DEFAULT_TENANT, ROLES, TENANT_PATTERN, type Principal, type Role } from './principal.ts';
export { TenantDirectory } from './tenant-directory.ts';
export type { TenantScope } from './tenant-scope.ts';
