import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordsApp } from '@stint/records-app';
import { createTestStack, emulatorClients, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { eventually } from '../support/gate.ts';
import { countedStepsJob, StepLedger, stepName } from '../support/crash-jobs.ts';
import { engineInternals } from '@stint/core/testing';

/** The killed worker's lease: its jobs are taken over this long after the kill. */
const LEASE_MS = 1_500;
/**
 * The survivor's own lease cannot expire during the test, however loaded the machine: a live
 * worker whose lease lapses is taken over too, and the step it is in runs again (at-least-once
 * within a step), which would blur what this test counts: the re-runs a crash causes.
 */
const SURVIVOR_LEASE_MS = 120_000;

function startDoomedWorker(emulators: Emulators, stack: TestStack): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
    env: {
      ...process.env,
      TEST_DYNAMO_ENDPOINT: emulators.dynamoEndpoint,
      TEST_AWS_ENDPOINT: emulators.awsEndpoint,
      TEST_CONFIG: JSON.stringify({ ...stack.config, leaseMs: LEASE_MS }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () => resolve(child));
  });
}

const STEPS = Array.from({ length: 40 }, (_, i) => stepName(i));

describe.each(DYNAMO_BACKENDS)('a worker killed mid-slice on %s', (backend) => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it('is taken over after its lease expires: completed steps are not re-run, every record touched once', { timeout: 180_000 }, async () => {
    const clients = emulatorClients(emulators);
    // The in-process stack is the second worker; it only starts polling after the kill.
    const stack = await createTestStack(emulators, {
      definitions: [],
      tuning: { leaseMs: SURVIVOR_LEASE_MS },
      redispatchAfterMs: 1_000,
    });
    const app = createRecordsApp({ dynamo: clients.dynamo, s3: clients.s3, tableName: stack.config.tableName, bucketName: stack.config.bucketName });
    const ledger = new StepLedger(clients.dynamo, stack.config.tableName);
    for (const definition of [...app.definitions, countedStepsJob(ledger, 'survivor')]) {
      engineInternals(stack.engine).deps.registry.register(definition);
    }
    await app.seed('acme');
    const selection = await app.records('acme').queryIds('companies', { type: 'a', city: 'Madrid' });
    expect(selection.length).toBeGreaterThan(40);

    const counted = (await stack.engine.submit({ type: 'COUNTED_STEPS', tenant: 'acme', data: { steps: 40, ms: 40 } })).job;
    const action = (
      await stack.engine.submit({
        type: 'EXECUTE_ACTION',
        tenant: 'acme',
        data: { entityName: 'companies', query: { type: 'a', city: 'Madrid' }, actionName: 'slowTouch', params: { ms: 40 }, chunkSize: 20 },
      })
    ).job;

    const doomed = await startDoomedWorker(emulators, stack);
    await eventually(async () => (await ledger.runs(counted.id)).length >= 5, 30_000);
    await eventually(async () => (await app.records('acme').getByIds('companies', selection)).some((r) => r.touchCount > 0), 30_000);
    doomed.kill('SIGKILL');
    await new Promise((resolve) => doomed.once('exit', resolve));
    expect((await ledger.runs(counted.id)).length).toBeLessThan(STEPS.length);

    // The sweeper as its schedule runs it: one sweep at a time (overlapping sweeps would pile
    // up requests on a loaded machine).
    let sweeping = true;
    const sweeper = (async () => {
      while (sweeping) {
        await stack.engine.sweep().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      await stack.runUntil(async () => {
        const [c, a] = await Promise.all([stack.engine.get(counted.id, { tenant: 'acme' }), stack.engine.get(action.id, { tenant: 'acme' })]);
        return c.status === 'FINISHED' && a.status === 'FINISHED';
      }, 90_000);
    } finally {
      sweeping = false;
      await sweeper;
      await stack.stop();
    }

    // Each execution is its own ledger item: the killed worker ran a prefix of the steps, once
    // each; the survivor ran the rest, and again at most the one step in flight at the kill.
    const runs = await ledger.runs(counted.id);
    const ranBy = (by: string) =>
      runs
        .filter((r) => r.by === by)
        .map((r) => r.step)
        .sort();
    const doomedRan = ranBy('doomed');
    expect(doomedRan).toEqual(STEPS.slice(0, doomedRan.length));
    expect([STEPS.slice(doomedRan.length), STEPS.slice(doomedRan.length - 1)]).toContainEqual(ranBy('survivor'));
    const touched = await app.records('acme').getByIds('companies', selection);
    expect(touched.map((r) => r.touchCount)).toEqual(selection.map(() => 1));
    expect((await stack.engine.get(action.id, { tenant: 'acme' })).childrenProgress.finished).toBe(Math.ceil(selection.length / 20));
    // The survivor, not the killed worker, finished the counted job.
    expect(stack.events.some((e) => e.type === 'sliceEnded' && e.jobId === counted.id && e.outcome === 'finished')).toBe(true);
  });
});
