import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { LISTINGS, listPartition } from '@stint/core/store/table-keys';
import { createApi } from '@stint/functions/api/api';
import { adminMonitor } from '../web/web-stack.ts';
import { attachTestStack, createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { throttleDynamo, valuesOf, type Throttle } from '../support/throttle.ts';

/**
 * A read the table refuses for capacity, past the SDK's retries, is the store's busy moment,
 * not the api's fault: the api answers 503 with Retry-After and the monitor a page saying
 * when to try again, never a 500; once the key cools the same request answers.
 */

const QUICK = defineJob({ type: 'QUICK', async run() {} });
const TENANT = 'busy';
const ADMIN_TOKEN = 'unavailable-test-admin-token-0123456789';

let emulators: Emulators;
let plain: TestStack;
let stack: TestStack;
let throttle: Throttle;

beforeAll(async () => {
  emulators = await startEmulators();
  const options = { definitions: [QUICK] };
  plain = await createTestStack(emulators, options);
  // Only the tenant's main list partition is hot: the cards and everything else still answer.
  const hot = listPartition(TENANT, LISTINGS[0]!);
  throttle = throttleDynamo(emulators, (command, input) => command === 'QueryCommand' && valuesOf(input).includes(hot));
  stack = attachTestStack(throttle.clients, plain.provisioned, plain.config, options);
  await stack.engine.submit({ type: 'QUICK', tenant: TENANT });
});
afterAll(async () => {
  await stack?.stop();
  await plain?.stop();
  await emulators?.stop();
});

describe('a read the table throttles', () => {
  it('answers 503 with Retry-After on the api, and the same request answers once the key cools', async () => {
    const api = createApi({ engine: stack.engine, clients: stack.clients, config: stack.config, auth: { adminToken: ADMIN_TOKEN }, rateLimit: false });
    const list = () => api.request(`/api/jobs?tenant=${TENANT}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

    const refused = await list();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toEqual({
      error: { code: 'unavailable', message: 'the job store is over its capacity just now; retry in 2 s' },
    });
    // The cards read other partitions: they still answer.
    const summary = await api.request(`/api/summary?tenant=${TENANT}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(summary.status).toBe(200);
    expect(throttle.refused.QueryCommand).toBeGreaterThan(0);

    throttle.cool();
    try {
      const answered = await list();
      expect(answered.status).toBe(200);
      expect(((await answered.json()) as { items: unknown[] }).items).toHaveLength(1);
    } finally {
      throttle.heat();
    }
  });

  it('shows the monitor’s busy page, with Retry-After and a link to try the same page again', async () => {
    const monitor = await adminMonitor(stack, ADMIN_TOKEN);
    const path = '/jobs';

    const refused = await monitor.request(path);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    const html = await refused.text();
    expect(html).toContain('<h1 id="error-title">Busy for a moment</h1>');
    expect(html).toContain('Try again in 2 seconds.');
    expect(html).toContain(`<a class="button" href="${path}">Try again</a>`);
  });
});
