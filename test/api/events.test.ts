import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { Job } from '@stint/core';
import { useApiStack, TENANT_A, type ApiStack } from './api-stack.ts';

/** Waits an hour for `approved` keyed by its own id, and returns what the event carried. */
const AWAITS_APPROVAL = defineJob({
  type: 'AWAITS_APPROVAL',
  async run(ctx) {
    return { approval: await ctx.waitForEvent('approved', { key: ctx.job.id, timeoutMs: 3_600_000 }) };
  },
});

let api: ApiStack;
useApiStack((stack) => (api = stack), { definitions: [AWAITS_APPROVAL] });

const json = async <T>(response: Response) => (await response.json()) as T;

describe('POST /api/events', () => {
  it('wakes the job of the caller’s tenant that waits for it, which ends with the event’s data', async () => {
    const job = await json<Job>(await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body: { type: 'AWAITS_APPROVAL' } }));
    await api.stack.runUntil(async () => (await json<Job>(await api.call('GET', `/api/jobs/${job.id}`))).waitingForEvent !== null);
    expect((await json<Job>(await api.call('GET', `/api/jobs/${job.id}`))).waitingForEvent).toMatchObject({ name: 'approved', key: job.id });

    // Another tenant's event of the same name and key wakes nothing.
    const elsewhere = await api.call('POST', '/api/events', { token: api.tokens.tenantAdminB, body: { name: 'approved', key: job.id, data: { by: 'b' } } });
    expect(elsewhere.status).toBe(202);
    expect(await elsewhere.json()).toMatchObject({ woken: 0 });

    const sent = await api.call('POST', '/api/events', { token: api.tokens.tenantAdminA, body: { name: 'approved', key: job.id, data: { by: 'ann' } } });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toMatchObject({ woken: 1 });
    await api.stack.runUntil(async () => (await json<Job>(await api.call('GET', `/api/jobs/${job.id}`))).status === 'FINISHED');
    expect(await json<Job>(await api.call('GET', `/api/jobs/${job.id}`))).toMatchObject({
      tenant: TENANT_A,
      results: { approval: { by: 'ann' } },
      waitingForEvent: null,
    });
  });

  it.each([
    ['a viewer', 'viewerA', { name: 'approved', key: 'k' }, 403, undefined],
    ['a name that is not one', 'tenantAdminA', { name: 'not a name', key: 'k' }, 400, 'name'],
    ['an empty key', 'tenantAdminA', { name: 'approved', key: '' }, 400, 'key'],
    ['data that is not an object', 'tenantAdminA', { name: 'approved', key: 'k', data: [1] }, 400, 'data'],
    ['a field it does not know', 'tenantAdminA', { name: 'approved', key: 'k', to: 'everyone' }, 400, 'to'],
    ['another tenant, from a tenant key', 'tenantAdminA', { name: 'approved', key: 'k', tenant: 'tenant-b' }, 403, undefined],
  ] as const)('refuses %s', async (_, token, body, status, field) => {
    const response = await api.call('POST', '/api/events', { token: api.tokens[token], body });
    expect(response.status).toBe(status);
    const error = (await json<{ error: { code: string; field?: string } }>(response)).error;
    if (field) expect(error.field ?? '').toContain(field);
  });
});
