import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { JobDefinition } from '@stint/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURGE_EXPORTS, RECORDS_APP_SCHEDULES, type PurgeExportsData, type PurgeExportsResults } from './index.ts';
import { startEmulatedApp, type EmulatedApp } from './testing/emulated-app.ts';
import { runJob } from './testing/fake-job-context.ts';

let env: EmulatedApp;
let purge: JobDefinition<PurgeExportsData, PurgeExportsResults>;

beforeAll(async () => {
  env = await startEmulatedApp();
  purge = env.app.definitions.find((d) => d.type === PURGE_EXPORTS)!;
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

const keys = async () =>
  ((await env.clients.s3.send(new ListObjectsV2Command({ Bucket: env.bucketName }))).Contents ?? []).map((o) => o.Key).sort();

describe('PURGE_EXPORTS (the exports-cleanup schedule)', () => {
  it('keeps files younger than the cutoff and deletes older ones under the prefix only', async () => {
    for (const key of ['exports/j1/a.csv', 'exports/j2/b.csv', 'imports/keep.csv']) {
      await env.clients.s3.send(new PutObjectCommand({ Bucket: env.bucketName, Key: key, Body: 'x' }));
    }
    const young = await runJob(purge, { data: { olderThanDays: 1 }, job: { id: 'p1' } });
    expect(young.results).toEqual({ deleted: 0, failed: 0 });

    const all = await runJob(purge, { data: { olderThanDays: 0 }, job: { id: 'p2' } });
    expect(all.results).toEqual({ deleted: 2, failed: 0 });
    expect(await keys()).toEqual(['imports/keep.csv']);
    expect(all.logs.at(-1)?.message).toBe('deleted 2 export files older than 0 days');
  });

  it('is what the installation-wide cleanup schedule runs', () => {
    expect(RECORDS_APP_SCHEDULES.map((s) => [s.id, s.scope, s.jobType])).toEqual([
      ['nightly-export', 'tenant', 'EXPORT_RECORDS'],
      ['exports-cleanup', 'installation', 'PURGE_EXPORTS'],
    ]);
  });
});
