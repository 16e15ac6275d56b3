import { NonRetriableError, type ChildOutcome, type JobDefinition } from '@stint/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTE_ACTION, SEED_ENTITY, seedRecords, type ExecuteActionData, type PerRecordResults } from './index.ts';
import { startEmulatedApp, type EmulatedApp } from './testing/emulated-app.ts';
import { FAKE_TENANT, FakeJobContext, ParkedForChildren, runJob, SimulatedCrash, type SpawnedChild } from './testing/fake-job-context.ts';

let env: EmulatedApp;
let job: JobDefinition<ExecuteActionData, PerRecordResults>;

beforeAll(async () => {
  env = await startEmulatedApp();
  await env.app.seed(FAKE_TENANT);
  job = env.app.definitions.find((d) => d.type === EXECUTE_ACTION)!;
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

const typeA = seedRecords()
  .filter((r) => r.type === 'a')
  .map((r) => r.id);

/** Runs every spawned chunk with its own fake context, as the engine would, and reports their outcomes. */
async function runChildren(children: SpawnedChild[]): Promise<ChildOutcome[]> {
  const outcomes: ChildOutcome[] = [];
  for (const child of children) {
    const ctx = await runJob(job, { data: child.data as ExecuteActionData, job: { id: child.id, parentId: 'root' } });
    outcomes.push({ id: child.id, type: child.type, status: 'FINISHED', hasErrors: ctx.hasErrors, results: ctx.results });
  }
  return outcomes;
}

describe('EXECUTE_ACTION', () => {
  it('labels root and chunk jobs', () => {
    expect(job.label?.({ entityName: 'companies', actionName: 'logSomething' })).toBe('Execute action logSomething on companies');
    expect(job.label?.({ entityName: 'companies', actionName: 'x', chunk: true, recordIds: ['a', 'b'], offset: 100 })).toBe(
      'Execute action x on companies (records 101-102)',
    );
  });

  it('splits the selection into chunk children, then merges their results', async () => {
    const data = { entityName: SEED_ENTITY, query: { type: 'a' as const }, actionName: 'logSomething', params: { param1: 'a', param2: 'b' } };
    let outcomes: ChildOutcome[] | undefined;
    const root = new FakeJobContext<ExecuteActionData, PerRecordResults>({ data, job: { id: 'root' }, childOutcomes: () => outcomes });
    await expect(job.run(root)).rejects.toBeInstanceOf(ParkedForChildren);

    expect(root.spawned.map((c) => c.data.offset)).toEqual([0, 100, 200, 300]);
    expect(root.spawned.every((c) => c.type === EXECUTE_ACTION && c.data.chunk === true)).toBe(true);
    expect(root.spawned.flatMap((c) => c.data.recordIds as string[])).toEqual(typeA);
    expect(root.spawned[1]!.options?.label).toBe('Execute action logSomething on companies (records 101-200)');

    // The engine resumes the parked root once the children are done: a replay.
    outcomes = await runChildren(root.spawned);
    const resumed = root.replay();
    await job.run(resumed);
    expect(root.spawned).toHaveLength(4);
    expect(root.stepRuns.filter((s) => s === 'list-records')).toHaveLength(1);
    const results = resumed.results!.results;
    expect(Object.keys(results)).toEqual(typeA);
    expect(Object.values(results).every((r) => r.status === 'ok')).toBe(true);
    expect(resumed.hasErrors).toBe(false);
  });

  it('logs param1 and param2 per record in a chunk, in steps of a few records, with progress', async () => {
    const recordIds = typeA.slice(0, 45);
    const ctx = await runJob(job, {
      data: { entityName: SEED_ENTITY, actionName: 'logSomething', params: { param1: 'x', param2: 7 }, recordIds, chunk: true },
      job: { id: 'chunk-log' },
    });
    expect(ctx.logs).toHaveLength(45);
    expect(ctx.logs[0]!.message).toBe('logSomething on Company 0001 (company-0001): param1=x, param2=7');
    expect(ctx.stepRuns).toEqual(['records-1-20', 'records-21-40', 'records-41-45']);
    expect(ctx.progressValues.at(-1)).toBe(100);
    expect(Object.keys(ctx.results!.results)).toHaveLength(45);
  });

  it('fails every n-th record of the whole selection, not of the chunk', async () => {
    const recordIds = typeA.slice(100, 110);
    const ctx = await runJob(job, {
      data: { entityName: SEED_ENTITY, actionName: 'failSome', params: { every: 4 }, recordIds, chunk: true, offset: 100 },
      job: { id: 'chunk-fail' },
    });
    const failed = Object.entries(ctx.results!.results).filter(([, r]) => r.status === 'error');
    // Positions 101..110: 104 and 108.
    expect(failed.map(([id]) => id)).toEqual([recordIds[3], recordIds[7]]);
    expect(failed[0]![1]).toMatchObject({ errorMessage: expect.stringContaining('#104') });
    expect(ctx.hasErrors).toBe(true);
    expect(ctx.logs.filter((l) => l.level === 'ERROR')).toHaveLength(2);
  });

  it('touches each record once even when a step runs again after a crash', async () => {
    const recordIds = ['company-0400', 'company-0401', 'company-0402'];
    const data = { entityName: SEED_ENTITY, actionName: 'slowTouch', params: { ms: 5 }, recordIds, chunk: true };
    const first = new FakeJobContext<ExecuteActionData, PerRecordResults>({ data, job: { id: 'touch-job' } }).crashAfter('record-2');
    await expect(job.run(first)).rejects.toBeInstanceOf(SimulatedCrash);
    const retry = first.replay();
    await job.run(retry);
    expect(first.stepRuns).toEqual(['record-1', 'record-2', 'record-2', 'record-3']);
    for (const id of recordIds) expect((await env.records.get(SEED_ENTITY, id))?.touchCount).toBe(1);
    expect(retry.results!.results['company-0401']).toEqual({ status: 'ok', response: 'already touched by this job' });

    await runJob(job, { data, job: { id: 'another-touch-job' } });
    expect((await env.records.get(SEED_ENTITY, 'company-0400'))?.touchCount).toBe(2);
  });

  it('stops waiting when the signal fires, before touching', async () => {
    const controller = new AbortController();
    const data = { entityName: SEED_ENTITY, actionName: 'slowTouch', params: { ms: 5_000 }, recordIds: ['company-0410'], chunk: true };
    const running = runJob(job, { data, job: { id: 'stopped-job' }, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop requested')), 20);
    await expect(running).rejects.toThrow('stop requested');
    expect((await env.records.get(SEED_ENTITY, 'company-0410'))?.touchCount).toBe(0);
  });

  it('reports records deleted since the selection as errors of their own', async () => {
    const ctx = await runJob(job, {
      data: { entityName: SEED_ENTITY, actionName: 'logSomething', recordIds: ['company-0003', 'gone'], chunk: true },
      job: { id: 'chunk-gone' },
    });
    expect(ctx.results!.results).toEqual({
      'company-0003': { status: 'ok' },
      gone: { status: 'error', errorMessage: 'record gone not found in companies' },
    });
  });

  it('rejects an unknown action or bad params without retrying', async () => {
    const unknown = runJob(job, { data: { entityName: SEED_ENTITY, actionName: 'launchRockets' } });
    await expect(unknown).rejects.toBeInstanceOf(NonRetriableError);
    await expect(unknown).rejects.toThrow('unknown action "launchRockets" on companies; known actions: logSomething, slowTouch, failSome');
    const badParams = runJob(job, { data: { entityName: SEED_ENTITY, actionName: 'failSome', params: { every: 0 } } });
    await expect(badParams).rejects.toBeInstanceOf(NonRetriableError);
  });

  it('caps merged results at 1,000 and keeps the failures', async () => {
    const fake = (prefix: string, n: number, status: 'ok' | 'error') =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, status === 'ok' ? { status } : { status, errorMessage: 'boom' }]));
    const outcomes: ChildOutcome[] = [
      { id: 'c1', type: EXECUTE_ACTION, status: 'FINISHED', hasErrors: false, results: { results: fake('ok-a', 700, 'ok') } },
      { id: 'c2', type: EXECUTE_ACTION, status: 'FINISHED', hasErrors: true, results: { results: fake('ok-b', 600, 'ok') } },
      { id: 'c3', type: EXECUTE_ACTION, status: 'FINISHED', hasErrors: true, results: { results: fake('err', 5, 'error') } },
      { id: 'c4', type: EXECUTE_ACTION, status: 'CANCELED', hasErrors: false, results: null },
    ];
    const ctx = await runJob(job, {
      data: { entityName: SEED_ENTITY, actionName: 'logSomething', query: { city: 'Berlin' } },
      job: { id: 'root-cap' },
      childOutcomes: () => outcomes,
    });
    const results = ctx.results!.results;
    expect(Object.keys(results)).toHaveLength(1_000);
    expect(Object.keys(results).filter((id) => id.startsWith('err'))).toHaveLength(5);
    expect(ctx.logs.filter((l) => l.level === 'ERROR').map((l) => l.message)).toEqual([
      "5 of 1305 records failed; see the chunks' logs",
      '1 chunks were canceled; their records are missing from the results',
    ]);
  });
});
