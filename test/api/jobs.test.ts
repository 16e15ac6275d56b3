import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import type { Job } from '@stint/core';
import { placeJob } from '../support/jobs.ts';
import { useApiStack, TENANT_A, TENANT_B, type ApiStack } from './api-stack.ts';
import { externalTypes } from '@stint/core/auth/job-access';
import { engineInternals } from '@stint/core/testing';

let api: ApiStack;
useApiStack((stack) => (api = stack));

const json = async <T = Record<string, unknown>>(response: Response) => (await response.json()) as T;
const place = (status: Parameters<typeof placeJob>[1]['status'], tenant = TENANT_A) =>
  placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status, tenant, leased: status === 'RUNNING' || status === 'STOPPING' });

describe('GET /health', () => {
  it('answers without credentials', async () => {
    const response = await api.app.request('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('authentication', () => {
  it.each([
    ['no token', null, 'a valid API key or token is required'],
    ['a revoked key', 'revoked', 'unknown or revoked API key'],
    ['an unknown key', 'stint_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'unknown or revoked API key'],
    ['garbage', 'not-a-token', 'a valid API key or token is required'],
  ])('refuses %s with 401', async (_, which, message) => {
    const token = which === 'revoked' ? api.tokens.revoked : which;
    const response = await api.call('GET', '/api/jobs', { token });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'unauthorized', message } });
  });

  it('accepts the key in X-Api-Key too', async () => {
    const response = await api.call('GET', '/api/summary', { token: null, headers: { 'x-api-key': api.tokens.viewerA } });
    expect(response.status).toBe(200);
  });
});

describe('POST /api/jobs', () => {
  it('creates a job in the caller’s tenant: 201 with the job and its Location', async () => {
    const response = await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body: { type: 'QUICK', label: 'Nightly', data: { n: 1 } } });
    expect(response.status).toBe(201);
    const job = await json<Job>(response);
    expect(job).toMatchObject({
      type: 'QUICK',
      label: 'Nightly',
      tenant: TENANT_A,
      status: 'PENDING',
      data: { n: 1 },
      runBy: { name: 'tenant-admin tenant-a' },
    });
    expect(response.headers.get('location')).toBe(`/api/jobs/${job.id}`);
  });

  it('puts an admin’s job in `default` unless the admin names a tenant', async () => {
    const plain = await json<Job>(await api.call('POST', '/api/jobs', { body: { type: 'QUICK' } }));
    const named = await json<Job>(await api.call('POST', '/api/jobs', { body: { type: 'QUICK', tenant: TENANT_B } }));
    expect([plain.tenant, named.tenant]).toEqual(['default', TENANT_B]);
  });

  it('answers 200 with the same job when the idempotencyKey was seen', async () => {
    const body = { type: 'QUICK', idempotencyKey: `order-${Date.now()}` };
    const first = await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body });
    const second = await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect((await json<Job>(second)).id).toBe((await json<Job>(first)).id);
  });

  it.each([
    [{ type: 'lower' }, 'type', 'type must be a job type this deployment runs (<registered types>); got "lower"'],
    [{ type: 'QUICK', extra: 1 }, 'extra', 'unknown field "extra"'],
    [{ type: 'QUICK', runBy: { id: 'u1' } }, 'runBy.name', 'runBy.name must be a string; got nothing'],
    [{ type: 'NOT_REGISTERED' }, 'type', 'type must be a job type this deployment runs (<registered types>); got "NOT_REGISTERED"'],
    [{ label: 'no type' }, 'type', 'type must be a job type this deployment runs (<registered types>); got nothing'],
  ])('answers 400 naming the field for %j', async (body, field, message) => {
    const response = await api.call('POST', '/api/jobs', { body });
    expect(response.status).toBe(400);
    // The document's enum of types is what this deployment registered: the test's and the system ones.
    const types = externalTypes(engineInternals(api.stack.engine).deps.registry)
      .map((definition) => definition.type)
      .join(', ');
    expect(types).toContain('QUICK');
    expect(await response.json()).toEqual({ error: { code: 'badRequest', message: message.replace('<registered types>', types), field } });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await api.call('POST', '/api/jobs', { body: '{"type": ' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'badRequest', message: 'body must be valid JSON; got text that does not parse', field: 'body' } });
  });

  it('answers 403 to viewers, to a tenant-admin naming another tenant, and for system types', async () => {
    const viewer = await api.call('POST', '/api/jobs', { token: api.tokens.viewerA, body: { type: 'QUICK' } });
    const elsewhere = await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body: { type: 'QUICK', tenant: TENANT_B } });
    const system = await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body: { type: 'CLEAR_INACTIVE' } });
    expect([viewer.status, elsewhere.status, system.status]).toEqual([403, 403, 403]);
    expect(await viewer.json()).toEqual({ error: { code: 'forbidden', message: 'viewer keys are read-only' } });
    expect(await elsewhere.json()).toEqual({ error: { code: 'forbidden', message: 'this key is limited to tenant tenant-a' } });
  });

  it('answers 404 for a parent in another tenant', async () => {
    const parent = await place('RUNNING', TENANT_B);
    const response = await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body: { type: 'QUICK', parentId: parent.id } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'notFound', message: `parent job ${parent.id} not found` } });
  });
});

describe('GET /api/jobs/:id', () => {
  it('answers the job', async () => {
    const placed = await place('RUNNING');
    const response = await api.call('GET', `/api/jobs/${placed.id}`, { token: api.tokens.viewerA });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ id: placed.id, status: 'RUNNING', tenant: TENANT_A });
  });

  it('answers 404 for an unknown id and 400 for one that cannot be an id', async () => {
    const missing = await api.call('GET', '/api/jobs/0000000000000000nothere');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'notFound', message: 'job 0000000000000000nothere not found' } });
    const bad = await api.call('GET', '/api/jobs/bad%20id');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { code: 'badRequest', message: 'id must be a job id (1 to 128 letters, digits and _ . : -); got "bad id"', field: 'id' },
    });
  });
});

describe('operations', () => {
  it.each([
    ['stop', 'POST', 'stop', 'PENDING', 'STOPPED'],
    ['stop a running job', 'POST', 'stop', 'RUNNING', 'STOPPING'],
    ['resume', 'POST', 'resume', 'STOPPED', 'PENDING'],
    ['force-stop', 'POST', 'force-stop', 'STOPPING', 'STOPPED'],
    ['cancel', 'POST', 'cancel', 'STOPPED', 'CANCELED'],
    ['restart', 'POST', 'restart', 'FINISHED', 'PENDING'],
    ['set low priority', 'POST', 'low-priority', 'STOPPED', 'STOPPED'],
    ['remove low priority', 'DELETE', 'low-priority', 'STOPPED', 'STOPPED'],
  ] as const)('%s: 200 with the job after it', async (_, method, path, from, to) => {
    const placed = await place(from);
    const response = await api.call(method, `/api/jobs/${placed.id}/${path}`, { token: api.tokens.tenantAdminA });
    expect(response.status).toBe(200);
    const job = await json<Job>(response);
    expect(job.status).toBe(to);
    if (path === 'low-priority') expect(job.lowPriority).toBe(method === 'POST');
  });

  it('accepts runAt as ms or ISO 8601, and refuses a bad one with 400 naming runAt', async () => {
    const runAt = Date.now() + 60_000;
    const later = await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body: { type: 'QUICK', runAt: new Date(runAt).toISOString() } });
    expect(later.status).toBe(201);
    expect(await json<Job>(later)).toMatchObject({ status: 'PENDING', runAt, waiting: 0 });

    const refused = await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body: { type: 'QUICK', runAt: 'soon' } });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'badRequest', field: 'runAt' } });
  });

  it('retry: 200 with the job at its next attempt; 409 for a job that finished without errors', async () => {
    const failed = await placeJob(engineInternals(api.stack.engine).deps.jobs, {
      type: 'QUICK',
      status: 'FINISHED',
      tenant: TENANT_A,
      failed: 'the step threw',
    });
    const fine = await place('FINISHED');

    const response = await api.call('POST', `/api/jobs/${failed.id}/retry`, { token: api.tokens.tenantAdminA });
    expect(response.status).toBe(200);
    expect(await json<Job>(response)).toMatchObject({ id: failed.id, status: 'PENDING', hasErrors: false, error: null, attempt: 2 });

    const refused = await api.call('POST', `/api/jobs/${fine.id}/retry`, { token: api.tokens.tenantAdminA });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({ error: { code: 'conflict', message: `job ${fine.id} finished without errors: there is no failed work to retry` } });
  });

  it('answers 409 with the reason when the status does not allow the operation', async () => {
    const placed = await place('FINISHED');
    const response = await api.call('POST', `/api/jobs/${placed.id}/resume`);
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: { code: 'conflict', message: `cannot resume job ${placed.id}: it is FINISHED; resume applies to STOPPED` },
    });
  });

  it('DELETE removes an ended job (204) and refuses an active one (409)', async () => {
    const ended = await place('FINISHED');
    const active = await place('RUNNING');
    expect((await api.call('DELETE', `/api/jobs/${ended.id}`, { token: api.tokens.tenantAdminA })).status).toBe(204);
    expect((await api.call('GET', `/api/jobs/${ended.id}`)).status).toBe(404);
    const refused = await api.call('DELETE', `/api/jobs/${active.id}`, { token: api.tokens.tenantAdminA });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      error: { code: 'conflict', message: `cannot delete job ${active.id}: it is RUNNING; delete applies to FINISHED, CANCELED` },
    });
  });

  it('answers 403 to a viewer acting on a job of its own tenant', async () => {
    const placed = await place('PENDING');
    const response = await api.call('POST', `/api/jobs/${placed.id}/stop`, { token: api.tokens.viewerA });
    expect(response.status).toBe(403);
    expect((await engineInternals(api.stack.engine).deps.jobs.get(placed.id))?.status).toBe('PENDING');
  });
});

describe('errors', () => {
  it('answers an unknown route with 404 in the error format', async () => {
    const response = await api.call('GET', '/api/nothing-here');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'notFound', message: 'no route GET /api/nothing-here' } });
  });

  it('answers 500 `internal` without leaking the cause when DynamoDB fails', async () => {
    const placed = await place('PENDING');
    const dynamo = mockClient(api.stack.clients.dynamo);
    dynamo.on(GetCommand).rejects(new Error('secret table detail at Object.<anonymous> (/var/task/index.js:1:1)'));
    try {
      const response = await api.call('GET', `/api/jobs/${placed.id}`);
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'internal error' } });
      expect(text).not.toContain('secret');
    } finally {
      dynamo.restore();
    }
  });
});
