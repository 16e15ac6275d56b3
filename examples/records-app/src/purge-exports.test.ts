import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { INSTALLATION_TENANT, NonRetriableError, type JobDefinition } from '@stint/sdk';
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

const keys = async () => ((await env.clients.s3.send(new ListObjectsV2Command({ Bucket: env.bucketName }))).Contents ?? []).map((o) => o.Key).sort();

const put = (...names: string[]) => Promise.all(names.map((key) => env.clients.s3.send(new PutObjectCommand({ Bucket: env.bucketName, Key: key, Body: 'x' }))));

const ACME = ['exports/acme/j1/a.csv', 'exports/acme/j2/b.csv'];
const OTHERS = ['exports/_admin/j4/jobs-export.csv', 'exports/globex/j3/c.csv', 'imports/acme/keep.csv'];

describe('PURGE_EXPORTS (the exports-cleanup schedule)', () => {
  it('in a tenant, keeps files younger than the cutoff and deletes only that tenant’s older ones', async () => {
    await put(...ACME, ...OTHERS);
    const young = await runJob(purge, { data: { olderThanDays: 1 }, job: { id: 'p1', tenant: 'acme' } });
    expect(young.results).toEqual({ deleted: 0, failed: 0 });

    // The attack of the security review: an empty prefix and no age limit, from one tenant.
    const all = await runJob(purge, { data: { olderThanDays: 0, prefix: '' }, job: { id: 'p2', tenant: 'acme' } });
    expect(all.results).toEqual({ deleted: 2, failed: 0 });
    expect(await keys()).toEqual(OTHERS);
    expect(all.logs.at(-1)?.message).toBe('deleted 2 export files older than 0 days');
  });

  it('narrows to a folder inside the tenant’s, and never leaves it', async () => {
    await put(...ACME, ...OTHERS);
    const one = await runJob(purge, { data: { olderThanDays: 0, prefix: 'j1/' }, job: { id: 'p3', tenant: 'acme' } });
    expect(one.results).toEqual({ deleted: 1, failed: 0 });
    for (const prefix of ['../globex/', 'j1/../../globex/', '/globex/', './']) {
      await expect(runJob(purge, { data: { olderThanDays: 0, prefix }, job: { id: 'p4', tenant: 'acme' } })).rejects.toBeInstanceOf(NonRetriableError);
    }
    expect(await keys()).toEqual([ACME[1], ...OTHERS].sort());
  });

  it('as the installation job, cleans every tenant’s exports and nothing else', async () => {
    await put(...ACME, ...OTHERS);
    const all = await runJob(purge, { data: { olderThanDays: 0 }, job: { id: 'p5', tenant: INSTALLATION_TENANT } });
    expect(all.results).toEqual({ deleted: 4, failed: 0 });
    expect(await keys()).toEqual(['imports/acme/keep.csv']);
  });

  it('is what the installation-wide cleanup schedule runs, and only admins may start it by hand', () => {
    expect(RECORDS_APP_SCHEDULES.map((s) => [s.id, s.scope, s.jobType])).toEqual([
      ['nightly-export', 'tenant', 'EXPORT_RECORDS'],
      ['exports-cleanup', 'installation', 'PURGE_EXPORTS'],
    ]);
    expect(purge.access).toEqual({ submit: 'admin', intake: false });
  });
});
