/**
 * Issue 11, item 8: who a job runs for comes from who submits it. Only admins (and the
 * scheduler) act on someone's behalf, and the job then records who did.
 */
import { defineJob } from '@stint/sdk';
import { createIntakeHandler } from '@stint/functions/intake-handler';
import { describe, expect, it } from 'vitest';
import { ACME, intakeRecord, useAppStack, type AppStack } from './app-stack.ts';

const NOTE = defineJob({ type: 'NOTE', access: { intake: true }, run: async () => ({}) });

let s: AppStack;
useAppStack((stack) => (s = stack), { definitions: [NOTE] });

const BOSS = { id: 'key-of-the-boss', name: 'The Boss' };

describe('issue 11 item 8: runBy comes from the principal', () => {
  it('refuses a tenant-admin naming someone else, runs its job as itself, and records an admin acting for someone', async () => {
    const impersonating = await s.call('POST', '/api/jobs', s.tokens.acme, { type: 'NOTE', runBy: BOSS });
    expect(impersonating.status).toBe(403);
    expect(impersonating.body.error.message).toBe('runBy: only admins may submit a job on behalf of someone else');
    const asSystem = await s.call('POST', '/api/jobs', s.tokens.acme, { type: 'NOTE', runBy: null });
    expect(asSystem.status).toBe(403);

    const own = await s.call('POST', '/api/jobs', s.tokens.acme, { type: 'NOTE' });
    expect(own.body).toMatchObject({ runBy: { name: `tenant-admin of ${ACME}` }, submittedBy: null });

    const onBehalf = await s.call('POST', '/api/jobs', s.tokens.admin, { type: 'NOTE', tenant: ACME, runBy: BOSS });
    expect(onBehalf.status).toBe(201);
    expect(onBehalf.body).toMatchObject({ runBy: BOSS, submittedBy: { id: 'admin-token', name: 'bootstrap admin token' } });
    const reread = await s.call('GET', `/api/jobs/${onBehalf.body.id}`, s.tokens.acme);
    expect(reread.body).toMatchObject({ runBy: BOSS, submittedBy: { id: 'admin-token' } });
  });

  it('runs an intake message as its producer, and rejects one that names a runner', async () => {
    const rejected: Array<{ messageId: string; reason: string; firstReceive: boolean }> = [];
    const accepted: Array<{ runBy: unknown }> = [];
    const intake = createIntakeHandler(s.api.stack.engine, {
      defaultTenant: ACME,
      binding: { '*': [ACME] },
      onRejected: (r) => rejected.push(r),
      onAccepted: (job) => accepted.push(job),
    });
    const outcome = await intake({
      Records: [intakeRecord('plain', { type: 'NOTE', idempotencyKey: 'run-by-plain' }), intakeRecord('named', { type: 'NOTE', runBy: BOSS })],
    });
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'named' }]);
    expect(rejected).toEqual([{ messageId: 'named', reason: 'runBy: an intake message runs as its producer and cannot name who runs it', firstReceive: true }]);
    expect(accepted.map((job) => job.runBy)).toEqual([{ id: 'intake:AROAORDERS:orders-fn', name: 'intake AROAORDERS:orders-fn' }]);
  });
});
