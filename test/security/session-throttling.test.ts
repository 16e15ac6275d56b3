import { describe, expect, it } from 'vitest';
import type { Job } from '@stint/core';
import { useApiStack, type ApiStack } from '../api/api-stack.ts';

/** Slow refill, so what a request costs shows in the tokens left. */
const RATE = { perSecond: 0.1, burst: 4 };
const LONG_POLL_MS = 2_100;

let api: ApiStack;
useApiStack((stack) => (api = stack), { rateLimit: RATE, limits: { longPollMs: LONG_POLL_MS } });

describe('issue 11, item 12: long polls count against the caller’s rate limit', () => {
  it('charges a wait for the seconds it held the api, so one caller cannot pile them up', async () => {
    const token = api.tokens.tenantAdminA;
    const response = await api.call('POST', '/api/jobs', { token, body: { type: 'QUICK' } });
    const job = (await response.json()) as Job;
    // Four tokens: the submit took one, the wait one more and one per second it waited (two).
    const waited = await api.call('GET', `/api/jobs/${job.id}/wait?status=FINISHED&maxTimeToWait=${LONG_POLL_MS}`, { token });
    expect(waited.status).toBe(408);
    const next = await api.call('GET', `/api/jobs/${job.id}`, { token });
    expect(next.status).toBe(429);
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another key's budget is its own.
    expect((await api.call('GET', `/api/jobs/${job.id}`, { token: api.tokens.admin })).status).toBe(200);
  });
});
