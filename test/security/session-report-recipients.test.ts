import { describe, expect, it } from 'vitest';
import type { ScheduleRow } from '@stint/core/schedules/schedules';
import { createApi } from '@stint/functions/api/api';
import { AUDIT, NIGHTLY, TENANT_A, TEST_SCHEDULES, useApiStack, type ApiStack } from '../api/api-stack.ts';

let api: ApiStack;
useApiStack((stack) => (api = stack), { schedules: TEST_SCHEDULES });

const addresses = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);
const patch = (target: { request: ApiStack['app']['request'] }, id: string, recipients: string[]) =>
  target.request(`/api/schedules/${id}?tenant=${TENANT_A}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${api.tokens.tenantAdminA}`, 'content-type': 'application/json' },
    body: JSON.stringify({ report: { enabled: true, recipients } }),
  });

describe('issue 11, item 15: new report recipients are rate limited per schedule and tenant', () => {
  it('refuses a second full list of new addresses the same day, on any api instance, and changes nothing', async () => {
    expect((await patch(api.app, NIGHTLY.id, addresses('first', 20))).status).toBe(200);
    // Addresses already on the list cost nothing.
    expect((await patch(api.app, NIGHTLY.id, addresses('first', 20))).status).toBe(200);

    // Another instance of the api (another Lambda) shares the count: it is kept in the table.
    const other = createApi({
      engine: api.stack.engine,
      clients: api.stack.clients,
      config: api.stack.config,
      auth: { adminToken: api.tokens.admin },
      rateLimit: false,
    });
    const refused = await other.request(`/api/schedules/${NIGHTLY.id}?tenant=${TENANT_A}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${api.tokens.tenantAdminA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ report: { enabled: true, recipients: addresses('second', 20) } }),
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const row = (await (await api.call('GET', `/api/schedules/${NIGHTLY.id}?tenant=${TENANT_A}`, { token: api.tokens.tenantAdminA })).json()) as ScheduleRow;
    expect(row.report.recipients).toEqual(addresses('first', 20));

    // Another schedule of the tenant has its own allowance.
    expect((await patch(api.app, AUDIT.id, addresses('audit', 20))).status).toBe(200);
  });
});
