import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordsApp, type RecordsApp } from '@stint/records-app';
import { childIds } from '@stint/core/engine/job-tree';
import { createTestStack, emulatorClients, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { eventually } from '../support/gate.ts';
import { engineInternals } from '@stint/core/testing';

const QUERY = { type: 'b' as const, city: 'Lisbon' };

async function recordsStack(emulators: Emulators): Promise<{ stack: TestStack; app: RecordsApp; selection: string[] }> {
  const stack = await createTestStack(emulators, { definitions: [], tuning: { maxInFlightPerRoot: 2 } });
  const clients = emulatorClients(emulators);
  const app = createRecordsApp({ dynamo: clients.dynamo, s3: clients.s3, tableName: stack.config.tableName, bucketName: stack.config.bucketName });
  for (const definition of app.definitions) engineInternals(stack.engine).deps.registry.register(definition);
  await app.seed('acme');
  return { stack, app, selection: await app.records('acme').queryIds('companies', QUERY) };
}

/** An EXECUTE_ACTION that touches every selected record once, in chunks of ten. */
async function touchAll(stack: TestStack) {
  const data = { entityName: 'companies', query: QUERY, actionName: 'slowTouch', params: { ms: 30 }, chunkSize: 10 };
  return (await stack.engine.submit({ type: 'EXECUTE_ACTION', tenant: 'acme', data })).job;
}

async function tree(stack: TestStack, rootId: string) {
  const ids = await childIds(engineInternals(stack.engine).deps, rootId);
  return Promise.all(ids.map((id) => stack.engine.get(id, { tenant: 'acme' })));
}

describe.each(DYNAMO_BACKENDS)('stop, resume and cancel of a job tree on %s', (backend) => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it('stops a parent and its running children, then resumes them with no record processed twice', async () => {
    const { stack, app, selection } = await recordsStack(emulators);
    try {
      const root = await touchAll(stack);
      await stack.runUntil(async () => (await app.records('acme').getByIds('companies', selection)).filter((r) => r.touchCount > 0).length >= 5);

      expect((await stack.engine.apply('stop', root.id, { tenant: 'acme' }))?.status).toBe('STOPPED');
      await eventually(async () => (await tree(stack, root.id)).every((c) => c.status === 'STOPPED' || c.status === 'FINISHED'), 20_000);
      const children = await tree(stack, root.id);
      expect(children.some((c) => c.status === 'STOPPED')).toBe(true);
      const touchedAtStop = (await app.records('acme').getByIds('companies', selection)).filter((r) => r.touchCount > 0).length;
      expect(touchedAtStop).toBeLessThan(selection.length);

      expect((await stack.engine.apply('resume', root.id, { tenant: 'acme' }))?.status).toBe('PENDING');
      await stack.runUntil(async () => (await stack.engine.get(root.id, { tenant: 'acme' })).status === 'FINISHED', 60_000);

      const finished = await stack.engine.get(root.id, { tenant: 'acme' });
      expect(finished.hasErrors).toBe(false);
      expect(Object.keys((finished.results as { results: object }).results)).toHaveLength(selection.length);
      const touched = await app.records('acme').getByIds('companies', selection);
      expect(touched.map((r) => r.touchCount)).toEqual(selection.map(() => 1));
    } finally {
      await stack.stop();
    }
  });

  it('cancels a stopped parent’s unfinished children and discards its checkpoints', async () => {
    const { stack, app, selection } = await recordsStack(emulators);
    try {
      const root = await touchAll(stack);
      await stack.runUntil(async () => (await app.records('acme').getByIds('companies', selection)).some((r) => r.touchCount > 0));
      await stack.engine.apply('stop', root.id, { tenant: 'acme' });
      await eventually(async () => (await tree(stack, root.id)).every((c) => c.status === 'STOPPED' || c.status === 'FINISHED'), 20_000);

      const canceled = await stack.engine.apply('cancel', root.id, { tenant: 'acme' });
      expect(canceled?.status).toBe('CANCELED');

      const children = await tree(stack, root.id);
      expect(children.every((c) => c.status === 'CANCELED' || c.status === 'FINISHED')).toBe(true);
      expect(children.some((c) => c.status === 'CANCELED')).toBe(true);
      expect((await engineInternals(stack.engine).deps.checkpoints.load(root.id)).size).toBe(0);
      await expect(stack.engine.apply('resume', root.id, { tenant: 'acme' })).rejects.toMatchObject({ code: 'conflict' });
    } finally {
      await stack.stop();
    }
  });
});
