import { describe, expect, it } from 'vitest';
import type { Job } from '@stint/core';
import { useApiStack, type ApiStack } from './api-stack.ts';

let api: ApiStack;
useApiStack((stack) => (api = stack));

describe('GET /api/summary', () => {
  it('counts what the jobs list shows: root jobs, and children only when asked for', async () => {
    const tenant = 'summary-trees';
    const submit = async (body: object) => (await (await api.call('POST', '/api/jobs', { body: { type: 'QUICK', tenant, ...body } })).json()) as Job;
    const root = await submit({});
    const child = await submit({ parentId: root.id });
    const summary = async (query = '') => (await api.call('GET', `/api/summary?tenant=${tenant}${query}`)).json() as Promise<{ completed: number }>;
    // Counters land when a batch ends, just after the job writes they count.
    await api.stack.runUntil(async () => (await summary('&children=true')).completed === 2);
    expect((await api.stack.engine.get(child.id, { tenant })).status).toBe('FINISHED');

    const listed = async (query = '') => ((await (await api.call('GET', `/api/jobs?tenant=${tenant}${query}`)).json()) as { items: Job[] }).items.length;
    expect(await summary()).toEqual({ total: 1, active: 0, completed: 1, failed: 0, canceled: 0 });
    expect(await listed()).toBe(1);
    expect(await summary('&children=true')).toEqual({ total: 2, active: 0, completed: 2, failed: 0, canceled: 0 });
    expect(await listed('&children=true')).toBe(2);
  });

  it.each([
    ['children=yes', 'children'],
    ['childrn=true', 'childrn'],
  ])('refuses ?%s with 400 naming %s', async (query, field) => {
    const response = await api.call('GET', `/api/summary?${query}`);
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain(field);
  });
});
