import { describe, expect, it } from 'vitest';
import type { Job } from '@stint/core';
import { TENANT_A, TENANT_B, TEST_SCHEDULES, useApiStack, type ApiStack } from '../api/api-stack.ts';

let api: ApiStack;
useApiStack((stack) => (api = stack), { schedules: TEST_SCHEDULES });

const json = async <T>(response: Response) => (await response.json()) as T;
type Page = { items: Array<{ id: string }>; nextCursor: string | null; partial?: boolean };

async function submit(token: string, body: Record<string, unknown>): Promise<Job> {
  const response = await api.call('POST', '/api/jobs', { token, body });
  expect(response.status).toBe(201);
  return json<Job>(response);
}

/** Everything a cursor could say to whoever decodes it, whatever its encoding. */
function readable(cursor: string): string {
  return [cursor, Buffer.from(cursor, 'base64url').toString('latin1'), Buffer.from(cursor, 'base64').toString('latin1')].join('\n');
}

describe('issue 11, item 7: cursors reveal no keys', () => {
  it('answers another tenant’s parent as it answers an unknown one: no rows, no cursor', async () => {
    const parent = await submit(api.tokens.tenantAdminA, { type: 'QUICK', label: 'parent in A' });
    const children = [];
    for (let i = 0; i < 3; i++) children.push(await submit(api.tokens.tenantAdminA, { type: 'QUICK', label: `child ${i}`, parentId: parent.id }));
    const own = await json<Page>(await api.call('GET', `/api/jobs?parentId=${parent.id}&_size=1`, { token: api.tokens.tenantAdminA }));
    expect(own.items).toHaveLength(1);
    expect(own.nextCursor).not.toBeNull();

    const foreign = await api.call('GET', `/api/jobs?parentId=${parent.id}&_size=1`, { token: api.tokens.tenantAdminB });
    const unknown = await api.call('GET', `/api/jobs?parentId=no-such-job&_size=1`, { token: api.tokens.tenantAdminB });
    expect(foreign.status).toBe(200);
    const body = await json<Page>(foreign);
    expect(body).toEqual(await json<Page>(unknown));
    expect(body.nextCursor).toBeNull();
  });

  it('hands out cursors that do not show the keys they continue from', async () => {
    const jobs: Job[] = [];
    for (let i = 0; i < 3; i++) jobs.push(await submit(api.tokens.tenantAdminB, { type: 'QUICK', label: `listed ${i}` }));
    const pages: Array<[string, string]> = [
      ['/api/jobs?_size=1', api.tokens.tenantAdminB],
      [`/api/jobs?_size=1&sort=name`, api.tokens.tenantAdminB],
      ['/api/schedules?size=1', api.tokens.tenantAdminB],
    ];
    const cursors: string[] = [];
    for (const [path, token] of pages) {
      const page = await json<Page>(await api.call('GET', path, { token }));
      expect(page.nextCursor, path).not.toBeNull();
      cursors.push(page.nextCursor!);
    }
    const logs = await json<Page>(await api.call('GET', `/api/jobs/${jobs[0]!.id}/logs?_size=1`, { token: api.tokens.tenantAdminB }));
    if (logs.nextCursor) cursors.push(logs.nextCursor);
    for (const cursor of cursors) {
      for (const job of jobs) expect(readable(cursor)).not.toContain(job.id);
      expect(readable(cursor)).not.toContain(TENANT_B);
    }
  });

  it('does not let another caller replay a cursor', async () => {
    const page = await json<Page>(await api.call('GET', '/api/jobs?_size=1', { token: api.tokens.tenantAdminB }));
    const replay = await api.call('GET', `/api/jobs?_size=1&cursor=${encodeURIComponent(page.nextCursor!)}`, { token: api.tokens.tenantAdminA });
    expect(replay.status).toBe(400);
    expect((await json<{ error: { field: string } }>(replay)).error.field).toBe('cursor');
    void TENANT_A;
  });
});
