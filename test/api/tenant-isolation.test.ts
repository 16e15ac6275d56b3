import { beforeAll, describe, expect, it } from 'vitest';
import { createMonitorPages } from '@stint/web';
import type { JobStatus } from '@stint/core';
import { placeJob } from '../support/jobs.ts';
import { ADMIN_TOKEN, useApiStack, TENANT_A, TENANT_B, type ApiStack, type Credentials } from './api-stack.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * Tenants are walls (DESIGN.md invariant 6): every route × every kind of caller × a job of
 * tenant A and of tenant B. Another tenant's job answers 404, exactly like a missing one.
 */
type Caller = 'admin' | 'tenantAdminA' | 'viewerA' | 'none' | 'revoked';
type Kind = 'read' | 'write' | 'list' | 'bulk';

interface RouteCase {
  route: string;
  kind: Kind;
  /** Status the job is placed in, so the route's operation applies to it. */
  status: JobStatus;
  /** Placed as a failed run (retry applies only to one). */
  failed?: boolean;
  method: string;
  path: (id: string) => string;
  body?: (id: string) => unknown;
  ok: number;
}

const ROUTES: RouteCase[] = [
  { route: 'GET job', kind: 'read', status: 'RUNNING', method: 'GET', path: (id) => `/api/jobs/${id}`, ok: 200 },
  { route: 'stop', kind: 'write', status: 'PENDING', method: 'POST', path: (id) => `/api/jobs/${id}/stop`, ok: 200 },
  { route: 'resume', kind: 'write', status: 'STOPPED', method: 'POST', path: (id) => `/api/jobs/${id}/resume`, ok: 200 },
  { route: 'force-stop', kind: 'write', status: 'STOPPING', method: 'POST', path: (id) => `/api/jobs/${id}/force-stop`, ok: 200 },
  { route: 'cancel', kind: 'write', status: 'STOPPED', method: 'POST', path: (id) => `/api/jobs/${id}/cancel`, ok: 200 },
  { route: 'restart', kind: 'write', status: 'FINISHED', method: 'POST', path: (id) => `/api/jobs/${id}/restart`, ok: 200 },
  { route: 'retry', kind: 'write', status: 'FINISHED', failed: true, method: 'POST', path: (id) => `/api/jobs/${id}/retry`, ok: 200 },
  { route: 'set low priority', kind: 'write', status: 'STOPPED', method: 'POST', path: (id) => `/api/jobs/${id}/low-priority`, ok: 200 },
  { route: 'remove low priority', kind: 'write', status: 'STOPPED', method: 'DELETE', path: (id) => `/api/jobs/${id}/low-priority`, ok: 200 },
  { route: 'delete', kind: 'write', status: 'FINISHED', method: 'DELETE', path: (id) => `/api/jobs/${id}`, ok: 204 },
  { route: 'GET logs', kind: 'read', status: 'RUNNING', method: 'GET', path: (id) => `/api/jobs/${id}/logs?level=INFO`, ok: 200 },
  {
    route: 'POST logs',
    kind: 'write',
    status: 'RUNNING',
    method: 'POST',
    path: (id) => `/api/jobs/${id}/logs`,
    body: () => ({ level: 'INFO', message: 'hi' }),
    ok: 201,
  },
  { route: 'wait', kind: 'read', status: 'RUNNING', method: 'GET', path: (id) => `/api/jobs/${id}/wait?status=RUNNING&maxTimeToWait=0`, ok: 200 },
  { route: 'download', kind: 'read', status: 'FINISHED', method: 'GET', path: (id) => `/api/jobs/${id}/download`, ok: 302 },
  { route: 'find', kind: 'list', status: 'RUNNING', method: 'GET', path: () => '/api/jobs?status=RUNNING&_size=1000', ok: 200 },
  { route: 'export', kind: 'list', status: 'RUNNING', method: 'GET', path: () => '/api/jobs/export.csv?status=RUNNING', ok: 200 },
  { route: 'bulk', kind: 'bulk', status: 'PENDING', method: 'POST', path: () => '/api/jobs/bulk', body: (id) => ({ op: 'stop', ids: [id] }), ok: 200 },
];

const CALLERS: Caller[] = ['admin', 'tenantAdminA', 'viewerA', 'none', 'revoked'];

function expectedStatus(route: RouteCase, caller: Caller, visible: boolean): number {
  if (caller === 'none' || caller === 'revoked') return 401;
  if (route.kind === 'list') return route.ok;
  if (route.kind === 'bulk') return caller === 'viewerA' ? 403 : route.ok;
  if (!visible) return 404;
  if (route.kind === 'write' && caller === 'viewerA') return 403;
  return route.ok;
}

const cases = ROUTES.flatMap((route) =>
  CALLERS.flatMap((caller) =>
    [TENANT_A, TENANT_B].map((tenant) => {
      const visible = caller === 'admin' || tenant === TENANT_A;
      return { ...route, caller, tenant, visible, expected: expectedStatus(route, caller, visible) };
    }),
  ),
);

let api: ApiStack;
useApiStack((stack) => (api = stack));

function tokenOf(tokens: Credentials, caller: Caller): string | null {
  return caller === 'none' ? null : tokens[caller];
}

describe('tenant walls', () => {
  it.each(cases)('$route by $caller on a job of $tenant → $expected', async (c) => {
    // Prepare: a job of the tenant, in a status the route's operation applies from.
    const leased = c.status === 'RUNNING' || c.status === 'STOPPING';
    const job = await placeJob(engineInternals(api.stack.engine).deps.jobs, {
      type: 'QUICK',
      status: c.status,
      tenant: c.tenant,
      leased,
      ...(c.failed ? { failed: 'the step threw' } : {}),
    });
    if (c.route === 'download')
      await engineInternals(api.stack.engine).deps.jobs.tryUpdate(job.id, { set: { resultFile: `exports/${c.tenant}/${job.id}.csv` } });
    const before = await engineInternals(api.stack.engine).deps.jobs.get(job.id);

    // Act
    const response = await api.call(c.method, c.path(job.id), { token: tokenOf(api.tokens, c.caller), ...(c.body ? { body: c.body(job.id) } : {}) });

    // Assess
    expect(response.status).toBe(c.expected);
    if (c.expected === 404) {
      expect(await response.json()).toEqual({ error: { code: 'notFound', message: `job ${job.id} not found` } });
    }
    if (c.kind === 'list' && c.expected === 200) {
      expect((await response.text()).includes(job.id)).toBe(c.visible);
    }
    if (c.kind === 'bulk' && c.expected === 200) {
      const body = (await response.json()) as { results: Record<string, { status: string; code?: string }> };
      expect(body.results[job.id]).toMatchObject(c.visible ? { status: 'ok' } : { status: 'error', code: 'notFound' });
    }
    const changed = c.expected < 300 && c.kind !== 'read' && c.kind !== 'list' && c.route !== 'POST logs' && (c.kind !== 'bulk' || c.visible);
    if (!changed) expect(await engineInternals(api.stack.engine).deps.jobs.get(job.id)).toEqual(before);
  });
});

/** The monitor's job page, by session cookie, over the same stack: the same wall as `GET job`. */
describe('tenant walls on the monitor’s job page', () => {
  const PAGE_CASES = CALLERS.flatMap((caller) =>
    [TENANT_A, TENANT_B].map((tenant) => {
      const visible = caller === 'admin' || tenant === TENANT_A;
      // No session (or a revoked key, which cannot sign in) is sent to sign in first.
      const expected = caller === 'none' || caller === 'revoked' ? 302 : visible ? 200 : 404;
      return { caller, tenant, expected };
    }),
  );
  let monitor: ReturnType<typeof createMonitorPages>;
  const cookies = new Map<Caller, string | null>();

  beforeAll(async () => {
    monitor = createMonitorPages({
      engine: api.stack.engine,
      clients: api.stack.clients,
      config: api.stack.config,
      auth: { adminToken: ADMIN_TOKEN },
      sessionSecret: 'tenant-wall-test-session-secret-0123456789',
    });
    for (const caller of CALLERS) {
      const token = tokenOf(api.tokens, caller);
      const response = token
        ? await monitor.request('/sign-in', {
            method: 'POST',
            headers: { origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ token }),
          })
        : null;
      cookies.set(caller, response?.status === 303 ? response.headers.get('set-cookie')!.split(';')[0]! : null);
    }
  });

  it.each(PAGE_CASES)('/jobs/:id by $caller on a job of $tenant → $expected', async (c) => {
    const job = await placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status: 'FINISHED', tenant: c.tenant });
    const label = `page of ${job.id}`;
    await engineInternals(api.stack.engine).deps.jobs.tryUpdate(job.id, { set: { label } });
    const cookie = cookies.get(c.caller);

    const response = await monitor.request(`/jobs/${job.id}`, { headers: cookie ? { cookie } : {} });

    expect(response.status).toBe(c.expected);
    const html = await response.text();
    expect(html.includes(label)).toBe(c.expected === 200);
    if (c.expected === 302) expect(response.headers.get('location')).toBe(`/sign-in?next=%2Fjobs%2F${job.id}`);
  });
});

describe('tenant parameter', () => {
  it.each([
    ['/api/jobs?tenant=tenant-b', 403],
    ['/api/summary?tenant=tenant-b', 403],
    ['/api/stats?tenant=tenant-b', 403],
    ['/api/jobs/export.csv?tenant=tenant-b', 403],
    ['/api/jobs?tenant=tenant-a', 200],
    ['/api/summary?tenant=Not_Valid', 400],
  ])('a tenant-admin of A asking %s → %i', async (path, status) => {
    const response = await api.call('GET', path, { token: api.tokens.tenantAdminA });
    expect(response.status).toBe(status);
  });

  it('lets an admin narrow a list to one tenant', async () => {
    const a = await placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status: 'CANCELED', tenant: TENANT_A });
    const b = await placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status: 'CANCELED', tenant: TENANT_B });
    const response = await api.call('GET', `/api/jobs?status=CANCELED&tenant=${TENANT_B}&_size=1000`);
    const ids = ((await response.json()) as { items: Array<{ id: string }> }).items.map((j) => j.id);
    expect(ids).toContain(b.id);
    expect(ids).not.toContain(a.id);
  });
});
