import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecordsApp } from '@stint/records-app';
import { emulatorClients, startEmulators } from '@stint/local/emulators';
import { eventually } from '../support/gate.ts';

const TOKEN = 'stint_test_whole_stack_token';
const QUERY = { type: 'c', city: 'Berlin' };

interface Running {
  child: ChildProcess;
  url: string;
}

/** Every stack this file started and that has not exited: killed after each test, whatever happened. */
const children = new Set<ChildProcess>();
let closed = false;
const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
const killAll = () => {
  for (const child of children) child.kill('SIGKILL');
};
// Last resort: a worker torn down mid-test still takes its stacks with it.
process.once('exit', killAll);

beforeEach(() => {
  closed = false;
});

afterEach(async () => {
  // A test that timed out keeps running in the background: let it start nothing more.
  closed = true;
  const all = [...children];
  killAll();
  await Promise.all(all.map(exited));
});

/** Starts the stack as `npm start` does (the same entry point), in its own process. */
async function startStack(dataDir: string): Promise<Running> {
  if (closed) throw new Error('the test is over');
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/local/src/main.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      STINT_DATA_DIR: dataDir,
      STINT_ADMIN_TOKEN: TOKEN,
      STINT_LEASE_MS: '2000',
      STINT_SWEEP_INTERVAL_MS: '500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    // Starting takes seconds, or tens of seconds on a loaded machine.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stack printed no URL within 120 s: ${output}`));
    }, 120_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited (${code}): ${output}`));
    });
  });
  return { child, url };
}

async function api(running: Running, path: string, init: RequestInit = {}) {
  const response = await fetch(`${running.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
  });
  return response.json() as Promise<Record<string, any>>;
}

/** Waits for the job to satisfy `done`; a timeout says where the job was. */
async function waitForJob(running: Running, id: string, done: (job: Record<string, any>) => boolean, timeoutMs: number) {
  let last: Record<string, any> | undefined;
  try {
    await eventually(async () => {
      last = await api(running, `/api/jobs/${id}`);
      return done(last);
    }, timeoutMs);
  } catch (error) {
    const children = await api(running, `/api/jobs?parentId=${id}&_size=100`).catch(() => ({ items: [] }));
    const statuses = (children.items as Array<Record<string, any>>).map((child) => `${child.id} ${child.status} ${child.progress}%`);
    throw new Error(
      `${(error as Error).message}: job ${id} ${last?.status} at ${last?.progress}%, children ${JSON.stringify(last?.childrenProgress)}: ${statuses.join(', ')}`,
    );
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'stint-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the whole local stack killed mid-job', () => {
  it('continues the job after a restart on the same data dir; every record touched exactly once; a job waiting for an event still takes it', async () => {
    let running = await startStack(dataDir);
    const job = await api(running, '/api/jobs', {
      method: 'POST',
      body: JSON.stringify({
        type: 'EXECUTE_ACTION',
        data: { entityName: 'companies', query: QUERY, actionName: 'slowTouch', params: { ms: 60 }, chunkSize: 8 },
      }),
    });
    const approval = await api(running, '/api/jobs', { method: 'POST', body: JSON.stringify({ type: 'APPROVED_EXPORT', data: { entityName: 'companies' } }) });
    await waitForJob(running, approval.id, (current) => current.waitingForEvent !== null, 60_000);
    await waitForJob(running, job.id, (current) => current.childrenProgress.finished >= 2, 60_000);
    const before = await api(running, `/api/jobs/${job.id}`);
    expect(before.status).toBe('RUNNING');

    running.child.kill('SIGKILL');
    await exited(running.child);

    running = await startStack(dataDir);
    try {
      await waitForJob(running, job.id, (current) => current.status === 'FINISHED', 90_000);
      const after = await api(running, `/api/jobs/${job.id}`);
      expect(after.hasErrors).toBe(false);
      expect(after.childrenProgress.finished).toBe(after.childrenProgress.total);
      // The wait outlived the stack (its waiter and its parked job are items, not messages).
      const event = { name: 'export.approved', key: approval.id, data: { by: 'ann' } };
      expect(await api(running, '/api/events', { method: 'POST', body: JSON.stringify(event) })).toMatchObject({ woken: 1 });
      await waitForJob(running, approval.id, (current) => current.status === 'FINISHED', 60_000);
      expect(await api(running, `/api/jobs/${approval.id}`)).toMatchObject({ hasErrors: false, resultFile: expect.any(String) });
    } finally {
      running.child.kill('SIGTERM');
      await exited(running.child);
    }

    // Read the records straight from the stack's data directory.
    const emulators = await startEmulators({ dataDir: join(dataDir, 'dynamodb') });
    try {
      const clients = emulatorClients(emulators);
      const app = createRecordsApp({ dynamo: clients.dynamo, s3: clients.s3, tableName: 'stint-jobs', bucketName: 'stint-exports' });
      const records = await app.records('default').query('companies', { type: 'c', city: 'Berlin' });
      expect(records.length).toBeGreaterThan(30);
      expect(records.map((r) => r.touchCount)).toEqual(records.map(() => 1));
    } finally {
      await emulators.stop();
    }
  }, 360_000);
});
