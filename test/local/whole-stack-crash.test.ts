import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRecordsApp } from '@stint/records-app';
import { emulatorClients, startEmulators } from '@stint/local/emulators';
import { eventually } from '../support/gate.ts';

const TOKEN = 'stint_test_whole_stack_token';
const QUERY = { type: 'c', city: 'Berlin' };

interface Running {
  child: ChildProcess;
  url: string;
}

/** Starts the stack as `npm start` does (the same entry point), in its own process. */
async function startStack(dataDir: string): Promise<Running> {
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
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`stack exited (${code}): ${output}`)));
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

const dataDir = mkdtempSync(join(tmpdir(), 'stint-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the whole local stack killed mid-job', () => {
  it('continues the job after a restart on the same data dir; every record touched exactly once', async () => {
    let running = await startStack(dataDir);
    const job = await api(running, '/api/jobs', {
      method: 'POST',
      body: JSON.stringify({
        type: 'EXECUTE_ACTION',
        data: { entityName: 'companies', query: QUERY, actionName: 'slowTouch', params: { ms: 60 }, chunkSize: 8 },
      }),
    });
    await eventually(async () => (await api(running, `/api/jobs/${job.id}`)).childrenProgress.finished >= 2, 30_000);
    const before = await api(running, `/api/jobs/${job.id}`);
    expect(before.status).toBe('RUNNING');

    running.child.kill('SIGKILL');
    await new Promise((resolve) => running.child.once('exit', resolve));

    running = await startStack(dataDir);
    try {
      await eventually(async () => (await api(running, `/api/jobs/${job.id}`)).status === 'FINISHED', 60_000);
      const after = await api(running, `/api/jobs/${job.id}`);
      expect(after.hasErrors).toBe(false);
      expect(after.childrenProgress.finished).toBe(after.childrenProgress.total);
    } finally {
      running.child.kill('SIGTERM');
      await new Promise((resolve) => running.child.once('exit', resolve));
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
  });
});
