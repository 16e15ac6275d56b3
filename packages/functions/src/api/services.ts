import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { type Engine, type Job, parseInput, tenantFilterSchema, type TenantScope } from '@stint/core';
import { ADMIN_TENANT, ApiKeyStore, assertCanWrite, type Principal, scopeOf, TenantDirectory } from '@stint/core/auth';
import { type CursorCodec, sealedCursors } from '@stint/core/query';
import { DEFAULT_LIMITS, type ApiLimits, type ApiOptions } from './api-options.ts';

/** What the route modules share: built once per api from its options. */
export interface ApiServices {
  engine: Engine;
  s3: S3Client;
  bucketName: string;
  keys: ApiKeyStore;
  tenants: TenantDirectory;
  limits: ApiLimits;
  /** Seals every cursor the api hands out; the monitor's pages use the same secret, so their cursors pass both ways. */
  cursors: CursorCodec;
  now: () => number;
}

export function createServices(options: ApiOptions): ApiServices {
  return {
    engine: options.engine,
    s3: options.clients.s3,
    bucketName: options.config.bucketName,
    keys: new ApiKeyStore(options.clients.dynamo, options.config.tableName),
    tenants: new TenantDirectory(options.clients.dynamo, options.config.tableName),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    cursors: sealedCursors(options.cursorSecret ?? randomBytes(32).toString('base64url')),
    now: () => options.engine.now(),
  };
}

/**
 * The scope of a request: the caller's tenant, or for an admin every tenant unless the
 * `tenant` parameter narrows it. `_admin` is accepted from admins so they can list the
 * all-tenant system jobs on their own. `field` names where the tenant came from.
 */
export function requestScope(principal: Principal, tenant: string | undefined, field = 'tenant'): TenantScope {
  if (tenant !== undefined && tenant !== '') parseInput(tenantFilterSchema, tenant, { kind: 'parameter', prefix: field });
  return scopeOf(principal, tenant || null);
}

/** Query parameters without the api's own ones (`tenant`), for the core's strict parsers. */
export function withoutParams(params: Record<string, string | undefined>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined && !names.includes(entry[0])));
}

/**
 * Starts one of the monitor's system jobs for the caller. It lives in the scope's tenant, so
 * the caller (and its tenant's admins) can follow it; an all-tenant one lives in ADMIN_TENANT.
 */
export async function startSystemJob(
  services: ApiServices,
  principal: Principal,
  scope: TenantScope,
  type: string,
  data: Record<string, unknown>,
): Promise<Job> {
  const tenant = 'tenant' in scope ? scope.tenant : ADMIN_TENANT;
  await services.tenants.remember(tenant);
  const { job } = await services.engine.submit({ type, tenant, data, submitter: { kind: 'operation', principal } });
  return job;
}

/**
 * A change to one job: the tenant wall comes first, so a viewer asking about another
 * tenant's job hears 404 like everyone else, and 403 only about jobs it can see.
 */
export async function assertCanChange(services: ApiServices, principal: Principal, id: string): Promise<TenantScope> {
  const scope = requestScope(principal, undefined);
  if (principal.role === 'viewer') {
    await services.engine.get(id, scope);
    assertCanWrite(principal);
  }
  return scope;
}
