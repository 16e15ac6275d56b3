import { NonRetriableError, type JobDefinition } from '@stint/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DELETE_RECORDS,
  EXECUTE_LISTENER,
  LISTENER_STEPS,
  seedRecords,
  type DeleteRecordsData,
  type ExecuteListenerData,
  type ExecuteListenerResults,
  type PerRecordResults,
} from './index.ts';
import { startEmulatedApp, type EmulatedApp } from './testing/emulated-app.ts';
import { FakeJobContext, runJob, SimulatedCrash } from './testing/fake-job-context.ts';

let env: EmulatedApp;
let deleteJob: JobDefinition<DeleteRecordsData, PerRecordResults>;

beforeAll(async () => {
  env = await startEmulatedApp();
  deleteJob = env.app.definitions.find((d) => d.type === DELETE_RECORDS)!;
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

describe('DELETE_RECORDS', () => {
  it('deletes the records matching a query in steps, surviving a crash mid-step', async () => {
    await env.records.putMany('del-query', seedRecords(300));
    const data = { entityName: 'del-query', query: { type: 'a' as const } };
    const first = new FakeJobContext<DeleteRecordsData, PerRecordResults>({ data }).crashAfter('delete-1-100');
    await expect(deleteJob.run(first)).rejects.toBeInstanceOf(SimulatedCrash);
    const retry = first.replay();
    await deleteJob.run(retry);

    expect(first.stepRuns).toEqual(['list-records', 'delete-1-100', 'delete-1-100', 'report']);
    expect(Object.values(retry.results!.results)).toHaveLength(100);
    expect(Object.values(retry.results!.results).every((r) => r.status === 'ok')).toBe(true);
    expect(await env.records.queryIds('del-query', { type: 'a' })).toEqual([]);
    expect(await env.records.queryIds('del-query')).toHaveLength(200);
    expect(retry.hasErrors).toBe(false);
  });

  it('deletes by ids, reporting the ids that did not exist as errors', async () => {
    await env.records.putMany('del-ids', seedRecords(5));
    const ctx = await runJob(deleteJob, {
      data: { entityName: 'del-ids', recordIds: ['company-0002', 'missing-1', 'company-0004', 'company-0002'] },
    });
    expect(ctx.results!.results).toEqual({
      'missing-1': { status: 'error', errorMessage: 'record not found' },
      'company-0002': { status: 'ok' },
      'company-0004': { status: 'ok' },
    });
    expect(ctx.hasErrors).toBe(true);
    expect(await env.records.queryIds('del-ids')).toEqual(['company-0001', 'company-0003', 'company-0005']);
  });

  it('caps the results map at 1,000 entries', async () => {
    await env.records.putMany('del-many', seedRecords(1_050));
    const ctx = await runJob(deleteJob, { data: { entityName: 'del-many' } });
    expect(Object.keys(ctx.results!.results)).toHaveLength(1_000);
    expect(ctx.stepRuns.filter((s) => s.startsWith('delete-'))).toHaveLength(11);
    expect(await env.records.queryIds('del-many')).toEqual([]);
  }, 30_000);

  it('refuses both a query and ids', async () => {
    const run = runJob(deleteJob, { data: { entityName: 'x', query: {}, recordIds: ['a'] } });
    await expect(run).rejects.toBeInstanceOf(NonRetriableError);
  });
});

describe('EXECUTE_LISTENER', () => {
  it('is not stoppable and runs its steps once each', async () => {
    const job = env.app.definitions.find((d) => d.type === EXECUTE_LISTENER) as JobDefinition<ExecuteListenerData, ExecuteListenerResults>;
    expect(job.stoppable).toBe(false);
    expect(job.label?.({ listenerName: 'onSignup' })).toBe('Execute listener onSignup');
    const ctx = await runJob(job, { data: { listenerName: 'onSignup', ms: 1 } });
    await job.run(ctx.replay());
    expect(ctx.stepRuns).toEqual([...LISTENER_STEPS]);
    expect(ctx.logs.map((l) => l.message)).toEqual(LISTENER_STEPS.map((s) => `listener onSignup: ${s} done`));
    expect(ctx.results).toEqual({ listenerName: 'onSignup', stepsCompleted: 3 });
  });
});
