import { expect } from 'vitest';
import type { Job } from '@stint/core';
import type { Page, ScheduleRow, ScheduleRun } from '@stint/core/schedules/schedules';
import type { ApiStack } from './api-stack.ts';

/** Calls of the schedules api the schedule tests share, each checking its status. */

export const json = async <T>(response: Response) => (await response.json()) as T;
export const keyOf = (row: Pick<ScheduleRow, 'id' | 'tenant'>) => `${row.id}@${row.tenant ?? 'installation'}`;
export const path = (id: string, tenant?: string, suffix = '') => `/api/schedules/${id}${suffix}${tenant ? `?tenant=${tenant}` : ''}`;

export async function list(api: ApiStack, query = '', token = api.tokens.admin): Promise<Page<ScheduleRow>> {
  const response = await api.call('GET', `/api/schedules${query}`, { token });
  expect(response.status).toBe(200);
  return json<Page<ScheduleRow>>(response);
}

export async function row(api: ApiStack, id: string, tenant?: string, token = api.tokens.admin): Promise<ScheduleRow> {
  const response = await api.call('GET', path(id, tenant), { token });
  expect(response.status).toBe(200);
  return json<ScheduleRow>(response);
}

export async function runs(api: ApiStack, id: string, tenant: string | undefined, query = ''): Promise<Page<ScheduleRun>> {
  const response = await api.call('GET', `${path(id, tenant, '/runs')}${tenant ? '&' : '?'}${query}`);
  expect(response.status).toBe(200);
  return json<Page<ScheduleRun>>(response);
}

export async function runNow(api: ApiStack, id: string, tenant?: string, token = api.tokens.admin): Promise<Job> {
  const response = await api.call('POST', path(id, tenant, '/run'), { token });
  expect(response.status).toBe(201);
  return (await json<{ job: Job }>(response)).job;
}

export async function finished(api: ApiStack, jobs: Job[]): Promise<void> {
  await api.stack.runUntil(async () => {
    const now = await Promise.all(jobs.map((job) => api.stack.engine.get(job.id, { allTenants: true })));
    return now.every((job) => job.status === 'FINISHED');
  });
}

export async function errorOf(response: Response) {
  return (await json<{ error: { code: string; message: string; field?: string } }>(response)).error;
}
