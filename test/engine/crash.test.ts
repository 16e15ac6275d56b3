import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createRecordsApp } from '@stint/records-app';
import { createTestStack, emulatorClients, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { eventually } from '../support/gate.ts';
import { countedStepsJob } from '../support/crash-jobs.ts';

const LEASE_MS = 1_500;

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

async function stepRuns(stack: TestStack, jobId: string): Promise<number[]> {
  const out = await stack.clients.dynamo.send(
    new QueryCommand({ TableName: stack.config.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `X#runs#${jobId}` } }),
  );
  return (out.Items ?? []).map((item) => item.runs as number);
}

describe.each(DYNAMO_BACKENDS)('a worker killed mid-slice on %s', (backend) => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it('is taken over after its lease expires: completed steps are not re-run, every record touched once', async () => {
    const clients = emulatorClients(emulators);
    // The in-process stack is the second worker; it only starts polling after the kill.
    const stack = await createTestStack(emulators, {
      definitions: [],
      tuning: { leaseMs: LEASE_MS },
      redispatchAfterMs: 1_000,
    });
    const app = createRecordsApp({ dynamo: clients.dynamo, s3: clients.s3, tableName: stack.config.tableName, bucketName: stack.config.bucketName });
    for (const definition of [...app.definitions, countedStepsJob(clients.dynamo, stack.config.tableName)]) {
      stack.engine.deps.registry.register(definition);
    }
    await app.seed();
    const selection = await app.records.queryIds('companies', { type: 'a', city: 'Madrid' });
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
    await eventually(async () => (await stepRuns(stack, counted.id)).length >= 5, 30_000);
    await eventually(async () => (await app.records.getByIds('companies', selection)).some((r) => r.touchCount > 0), 30_000);
    doomed.kill('SIGKILL');
    await new Promise((resolve) => doomed.once('exit', resolve));
    const runsAtKill = (await stepRuns(stack, counted.id)).length;
    expect(runsAtKill).toBeLessThan(40);

    let sweeping: Promise<unknown> = Promise.resolve();
    const sweeper = setInterval(() => (sweeping = stack.engine.sweep().catch(() => undefined)), 250);
    try {
      await stack.runUntil(async () => {
        const [c, a] = await Promise.all([stack.engine.get(counted.id, { tenant: 'acme' }), stack.engine.get(action.id, { tenant: 'acme' })]);
        return c.status === 'FINISHED' && a.status === 'FINISHED';
      }, 90_000);
    } finally {
      clearInterval(sweeper);
      await sweeping;
      await stack.stop();
    }

    const runs = await stepRuns(stack, counted.id);
    expect(runs).toHaveLength(40);
    // Only the step in flight at the kill can have run twice (at-least-once inside a step).
    expect(runs.filter((n) => n !== 1).length).toBeLessThanOrEqual(2);
    expect(runs.every((n) => n === 1 || n === 2)).toBe(true);
    const touched = await app.records.getByIds('companies', selection);
    expect(touched.map((r) => r.touchCount)).toEqual(selection.map(() => 1));
    expect((await stack.engine.get(action.id, { tenant: 'acme' })).childrenProgress.finished).toBe(Math.ceil(selection.length / 20));
    // The survivor, not the killed worker, finished the counted job.
    expect(stack.events.some((e) => e.type === 'sliceEnded' && e.jobId === counted.id && e.outcome === 'finished')).toBe(true);
  });
});
