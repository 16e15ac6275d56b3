/**
 * Issue 11, item 1, for the engine's own CASCADE walk of a wide tree: an internal type. A
 * submitted walk would stop, resume or cancel a tree no operation asked for, so no way in
 * starts one (not even an admin's) and no listing offers it; only the engine does.
 */
import { createIntakeHandler } from '@stint/functions/intake-handler';
import { defineJob } from '@stint/sdk';
import { describe, expect, it } from 'vitest';
import { ACME, intakeRecord, useAppStack, type AppStack } from './app-stack.ts';

const NOTE = defineJob({ type: 'NOTE', access: { intake: true }, run: async () => ({}) });
const REFUSAL = "CASCADE is an internal job type; only Stint's own code starts it";

let s: AppStack;
useAppStack((stack) => (s = stack), { definitions: [NOTE] });

const cascadeJobs = async () =>
  ((await s.call('GET', `/api/jobs?tenant=${ACME}&system=true&children=true&type=CASCADE`, s.tokens.admin)).body.items as unknown[]).length;

describe('issue 11 item 1: the internal CASCADE type', () => {
  it('refuses CASCADE from an admin, a tenant-admin and an intake producer with 403 naming it, and makes no job', async () => {
    const target = await s.call('POST', '/api/jobs', s.tokens.acme, { type: 'NOTE' });
    const walk = { type: 'CASCADE', data: { jobId: target.body.id, operation: 'cancel' } };

    const byAdmin = await s.call('POST', '/api/jobs', s.tokens.admin, { ...walk, tenant: ACME });
    const byTenantAdmin = await s.call('POST', '/api/jobs', s.tokens.acme, walk);
    const rejected: string[] = [];
    const intake = createIntakeHandler(s.api.stack.engine, { defaultTenant: ACME, binding: { '*': [ACME] }, onRejected: (r) => rejected.push(r.reason) });
    const outcome = await intake({ Records: [intakeRecord('m-cascade', walk)] });

    expect([byAdmin.status, byTenantAdmin.status]).toEqual([403, 403]);
    expect(byAdmin.body.error).toMatchObject({ code: 'forbidden', message: REFUSAL });
    expect(byTenantAdmin.body.error.message).toBe(REFUSAL);
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'm-cascade' }]);
    expect(rejected).toEqual([REFUSAL]);
    expect(await cascadeJobs()).toBe(0);
  });

  it('is offered to no one: not in the admin’s submittable types, the OpenAPI listing, or an unknown type’s known types', async () => {
    const listed = (await s.call('GET', '/api/job-types', s.tokens.admin)).body.items.map((t: { type: string }) => t.type);
    expect(listed).toEqual(expect.arrayContaining(['BULK_OPERATION', 'PURGE_EXPORTS']));
    expect(listed).not.toContain('CASCADE');

    const document = (await s.call('GET', '/api/openapi.json', s.tokens.admin)).body;
    const description: string = document.paths['/api/job-types'].get.description;
    expect(description).toContain('- `BULK_OPERATION` (admins (system type))');
    expect(description).not.toContain('CASCADE');

    const unknown = await s.call('POST', '/api/jobs', s.tokens.admin, { type: 'NO_SUCH_TYPE', tenant: ACME });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/^type must be a job type this deployment runs \(APPROVED_EXPORT, BULK_OPERATION, /);
    expect(unknown.body.error.message).not.toContain('CASCADE');
  });
});
