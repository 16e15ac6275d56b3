import type { OpenAPIHono } from '@hono/zod-openapi';
import { defineJob, defineSchedule, type JobDefinition, type ScheduleDefinition } from '@stint/sdk';
import { ApiKeyStore } from '@stint/core/auth/key-store';
import type { Role } from '@stint/core/auth/principal';
import { TenantDirectory } from '@stint/core/auth/tenant-directory';
import type { ApiEnv } from '@stint/functions/api/api-env';
import type { ApiLimits } from '@stint/functions/api/api-options';
import { createApi } from '@stint/functions/api/api';
import type { RateLimitOptions } from '@stint/functions/api/rate-limit';
import type { OidcOptions } from '@stint/core/auth/oidc';
import { afterAll, beforeAll } from 'vitest';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';

export const ADMIN_TOKEN = 'local-admin-token-for-tests-0123456789';
export const TENANT_A = 'tenant-a';
export const TENANT_B = 'tenant-b';

/** Finishes at once; restartable, so every operation has a status it applies from. */
export const QUICK = defineJob<{ n?: number }>({
  type: 'QUICK',
  restartable: true,
  async run(ctx) {
    return { n: await ctx.step('double', () => (ctx.data.n ?? 0) * 2) };
  },
});

/** Logs an ERROR line and finishes: a failed job for filters and summaries. */
export const FAILING = defineJob({
  type: 'FAILING',
  async run(ctx) {
    ctx.log.error('something went wrong');
    await ctx.step('done', () => true);
  },
});

/** Per tenant, over QUICK: its runs succeed. */
export const NIGHTLY = defineSchedule({
  id: 'nightly-quick',
  description: 'Doubles a number every night',
  jobType: 'QUICK',
  data: { n: 2 },
  scope: 'tenant',
  automatic: { cron: '0 3 * * *', timeZone: 'UTC' },
});

/** Per tenant, over FAILING: its runs log an error line and end with warnings. */
export const AUDIT = defineSchedule({
  id: 'audit-check',
  description: 'Checks the books on Mondays',
  jobType: 'FAILING',
  data: {},
  scope: 'tenant',
  automatic: { cron: '30 4 * * 1', timeZone: 'Europe/Paris' },
});

/** Once for the installation: admins only. */
export const PURGE = defineSchedule({
  id: 'purge-everything',
  description: 'Hourly clean-up across tenants',
  jobType: 'QUICK',
  data: {},
  scope: 'installation',
  automatic: { cron: '0 * * * *', timeZone: 'UTC' },
});

export const TEST_SCHEDULES = [NIGHTLY, AUDIT, PURGE];

export interface Credentials {
  admin: string;
  adminKey: string;
  tenantAdminA: string;
  viewerA: string;
  tenantAdminB: string;
  revoked: string;
}

export interface ApiStack {
  stack: TestStack;
  app: OpenAPIHono<ApiEnv>;
  keys: ApiKeyStore;
  tokens: Credentials;
  /** A request as a client sends it: bearer token, JSON body. */
  call(method: string, path: string, options?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

export interface ApiStackOptions {
  definitions?: JobDefinition[];
  /**
   * Types made from the stack's own clients and config (an app such as the records app),
   * registered before the api is built, as a deployment's runtime does: the api documents and
   * validates the types it was built with.
   */
  appDefinitions?: (stack: TestStack) => JobDefinition[];
  schedules?: ScheduleDefinition[];
  clock?: () => number;
  /** Run records each schedule keeps. */
  runsKept?: number;
  limits?: Partial<ApiLimits>;
  rateLimit?: RateLimitOptions | false;
  oidc?: OidcOptions;
}

/** A test stack (fresh table, queues, bucket) with the system jobs registered and an api over it. */
export async function createApiStack(emulators: Emulators, options: ApiStackOptions = {}): Promise<ApiStack> {
  const stack = await createTestStack(emulators, {
    definitions: options.definitions ?? [QUICK, FAILING],
    ...(options.schedules ? { schedules: options.schedules } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.runsKept !== undefined ? { runsKept: options.runsKept } : {}),
  });
  for (const definition of options.appDefinitions?.(stack) ?? []) engineInternals(stack.engine).deps.registry.register(definition);
  const app = createApi({
    engine: stack.engine,
    clients: stack.clients,
    config: stack.config,
    auth: { adminToken: ADMIN_TOKEN, oidc: options.oidc ?? null },
    rateLimit: options.rateLimit ?? false,
    limits: options.limits ?? {},
  });
  const keys = new ApiKeyStore(stack.clients.dynamo, stack.config.tableName);
  const issue = async (role: Role, tenant: string | null) => (await keys.create({ name: `${role} ${tenant ?? 'all'}`, role, tenant })).key;
  // Tests place jobs straight into the table; a submission would have listed their tenants.
  const tenants = new TenantDirectory(stack.clients.dynamo, stack.config.tableName);
  await Promise.all([TENANT_A, TENANT_B].map((tenant) => tenants.remember(tenant)));
  const revoked = await keys.create({ name: 'revoked', role: 'admin' });
  await keys.revoke(revoked.info.id);
  const tokens: Credentials = {
    admin: ADMIN_TOKEN,
    adminKey: await issue('admin', null),
    tenantAdminA: await issue('tenant-admin', TENANT_A),
    viewerA: await issue('viewer', TENANT_A),
    tenantAdminB: await issue('tenant-admin', TENANT_B),
    revoked: revoked.key,
  };
  return {
    stack,
    app,
    keys,
    tokens,
    async call(method, path, { token = tokens.admin, body, headers = {} } = {}) {
      return app.request(path, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
    },
  };
}

/** Gives a suite its own emulators and api stack for all its tests, and stops them after. */
export function useApiStack(receive: (api: ApiStack) => void, options: ApiStackOptions = {}): void {
  let emulators: Emulators | undefined;
  let api: ApiStack | undefined;
  beforeAll(async () => {
    emulators = await startEmulators();
    api = await createApiStack(emulators, options);
    receive(api);
  });
  afterAll(async () => {
    await api?.stack.stop();
    await emulators?.stop();
  });
}
