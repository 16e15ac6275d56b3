import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { NonRetriableError, type JobDefinition } from '@stint/sdk';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { parseCsv } from './csv.ts';
import {
  type EXPORT_COLUMNS,
  EXPORT_RECORDS,
  IMPORT_RECORDS,
  SEED_ENTITY,
  seedRecords,
  type ExportRecordsData,
  type ExportRecordsResults,
  type ImportRecordsData,
  type ImportRecordsResults,
} from './index.ts';
import type { AppRecord } from './record-store.ts';
import { startEmulatedApp, type EmulatedApp } from './testing/emulated-app.ts';
import { FAKE_TENANT, FakeJobContext, runJob, SimulatedCrash } from './testing/fake-job-context.ts';

let env: EmulatedApp;
let importJob: JobDefinition<ImportRecordsData, ImportRecordsResults>;
let exportJob: JobDefinition<ExportRecordsData, ExportRecordsResults>;

beforeAll(async () => {
  env = await startEmulatedApp();
  await env.app.seed(FAKE_TENANT);
  importJob = env.app.definitions.find((d) => d.type === IMPORT_RECORDS)!;
  exportJob = env.app.definitions.find((d) => d.type === EXPORT_RECORDS)!;
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

const upload = (key: string, body: string) =>
  env.clients.s3.send(new PutObjectCommand({ Bucket: env.bucketName, Key: key, Body: body, ContentType: 'text/csv' }));

/** 250 data rows, the header's columns out of order; rows 50 and 200 are bad; some fields need quotes. */
function sampleCsv(): string {
  const lines = ['\uFEFFcity,name,employees,type'];
  for (let i = 1; i <= 250; i++) {
    if (i === 50) lines.push('Madrid,Bad Type Inc,10,z');
    else if (i === 200) lines.push('Madrid,"Short, row"');
    else if (i % 10 === 0) lines.push(`"Lisbon","Acme ""${i}"", Inc.\nsecond line",${i},b`);
    else lines.push(`Berlin,Firm ${i},${i},a`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

describe('IMPORT_RECORDS', () => {
  it('imports valid rows in steps, logs bad rows with their line, and survives a crash mid-step', async () => {
    await upload('imports/test/sample.csv', sampleCsv());
    const data = { entityName: 'imported', fileName: 'imports/test/sample.csv' };
    const first = new FakeJobContext<ImportRecordsData, ImportRecordsResults>({ data, job: { id: 'imp1' } }).crashAfter('rows-2');
    await expect(importJob.run(first)).rejects.toBeInstanceOf(SimulatedCrash);
    const retry = first.replay();
    await importJob.run(retry);

    expect(retry.results).toEqual({ rowsImported: 248, rowsWithErrors: 2 });
    expect(first.stepRuns).toEqual(['read-header', 'rows-1', 'rows-2', 'rows-2', 'rows-3', 'report']);
    expect(retry.progressValues.at(-1)).toBe(100);
    // Every tenth good row takes two lines: row 50 starts on line 55, row 200 on line 219.
    // The step that ran again logged its bad row again; the count in the results did not double.
    const errors = retry.logs.filter((l) => l.level === 'ERROR').map((l) => l.message);
    expect([...new Set(errors)]).toEqual([expect.stringMatching(/^line 55: type: type must be one of a, b, c$/), 'line 219: expected 4 fields, found 2']);

    const records = await env.records.query('imported');
    expect(records).toHaveLength(248);
    expect(records.find((r) => r.employees === 10)).toMatchObject({
      name: 'Acme "10", Inc.\nsecond line',
      city: 'Lisbon',
      type: 'b',
    });
    expect(records[0]).toMatchObject({ id: 'imp1-0000002', name: 'Firm 1', city: 'Berlin', type: 'a', employees: 1 });
  });

  it('ends without retrying when the file is missing or its header is wrong', async () => {
    const missing = runJob(importJob, { data: { entityName: 'imported', fileName: 'imports/test/nope.csv' } });
    await expect(missing).rejects.toBeInstanceOf(NonRetriableError);
    await expect(missing).rejects.toThrow('file imports/test/nope.csv not found');

    await upload('imports/test/bad-header.csv', 'name,kind\nx,y\n');
    const badHeader = runJob(importJob, { data: { entityName: 'imported', fileName: 'imports/test/bad-header.csv' } });
    await expect(badHeader).rejects.toThrow('missing type, city, employees');
  });

  it('accepts only files in its own tenant’s imports folder, at submission and when it runs', async () => {
    const problem = (fileName: string) => importJob.checkData!({ entityName: 'x', fileName }, { tenant: FAKE_TENANT });
    expect(problem('imports/test/a.csv')).toBeUndefined();
    expect(problem('imports/test/2026/a.csv')).toBeUndefined();
    for (const outside of ['imports/other/a.csv', 'imports/test/../other/a.csv', 'imports/test/', 'exports/test/j/a.csv', 'a.csv']) {
      expect(problem(outside)).toEqual({ field: 'fileName', message: 'must be a file under imports/test/' });
    }
    await upload('imports/other/secret.csv', 'name,type,city,employees\nSecret,a,Paris,1\n');
    const run = runJob(importJob, { data: { entityName: 'stolen', fileName: 'imports/other/secret.csv' } });
    await expect(run).rejects.toBeInstanceOf(NonRetriableError);
    await expect(run).rejects.toThrow('must be a file under imports/test/');
    expect(await env.records.query('stolen')).toEqual([]);
  });

  it('imports a header-only file as nothing', async () => {
    await upload('imports/test/empty.csv', 'name,type,city,employees');
    const ctx = await runJob(importJob, { data: { entityName: 'nothing', fileName: 'imports/test/empty.csv' } });
    expect(ctx.results).toEqual({ rowsImported: 0, rowsWithErrors: 0 });
  });
});

describe('EXPORT_RECORDS', () => {
  it('streams matching records to a CSV in S3 and links to it', async () => {
    const ctx = await runJob(exportJob, { data: { entityName: SEED_ENTITY, query: { type: 'b' } }, job: { id: 'exp1' } });
    expect(ctx.results).toEqual({
      fileId: 'exports/test/exp1/companies.csv',
      fileLink: '/api/jobs/exp1/download',
      recordsExported: 333,
    });
    expect(ctx.resultFile).toBe('exports/test/exp1/companies.csv');
    const object = await env.clients.s3.send(new GetObjectCommand({ Bucket: env.bucketName, Key: 'exports/test/exp1/companies.csv' }));
    const rows = parseCsv(await object.Body!.transformToString()).map((r) => r.fields);
    expect(rows[0]).toEqual(['id', 'name', 'type', 'city', 'employees', 'touchCount']);
    const expected = seedRecords().filter((r) => r.type === 'b');
    expect(rows.slice(1)).toEqual(expected.map((r) => [r.id, r.name, r.type, r.city, String(r.employees), '0']));
  });

  it('has a column for every field of a record (a field added later fails to compile here)', () => {
    expectTypeOf<(typeof EXPORT_COLUMNS)[number]>().toEqualTypeOf<keyof AppRecord>();
  });

  it('exports each record’s touchCount, so a user can check that every job touched a record once', async () => {
    await env.records.putMany('touched', [
      { id: 't1', name: 'Once', type: 'a', city: 'Oslo', employees: 1 },
      { id: 't2', name: 'Twice', type: 'a', city: 'Oslo', employees: 2 },
      { id: 't3', name: 'Never', type: 'a', city: 'Oslo', employees: 3 },
    ]);
    await env.records.touchOnce('touched', 't1', 'job-1');
    await env.records.touchOnce('touched', 't2', 'job-1');
    await env.records.touchOnce('touched', 't2', 'job-2');
    await runJob(exportJob, { data: { entityName: 'touched' }, job: { id: 'exp5' } });
    const object = await env.clients.s3.send(new GetObjectCommand({ Bucket: env.bucketName, Key: 'exports/test/exp5/touched.csv' }));
    const rows = parseCsv(await object.Body!.transformToString()).map((r) => r.fields);
    expect(rows.map((row) => [row[0], row[5]])).toEqual([
      ['id', 'touchCount'],
      ['t1', '1'],
      ['t2', '2'],
      ['t3', '0'],
    ]);
  });

  it('round-trips awkward values through export and import', async () => {
    const awkward = [{ id: 'w1', name: 'Quote " and, comma\r\nand break', type: 'c' as const, city: 'Zürich', employees: 3 }];
    await env.records.putMany('awkward', awkward);
    await runJob(exportJob, { data: { entityName: 'awkward' }, job: { id: 'exp2' } });
    const object = await env.clients.s3.send(new GetObjectCommand({ Bucket: env.bucketName, Key: 'exports/test/exp2/awkward.csv' }));
    await upload('imports/test/awkward.csv', await object.Body!.transformToString());
    // The extra id and touchCount columns are ignored by the import.
    const ctx = await runJob(importJob, { data: { entityName: 'awkward2', fileName: 'imports/test/awkward.csv' }, job: { id: 'imp2' } });
    expect(ctx.results).toEqual({ rowsImported: 1, rowsWithErrors: 0 });
    const [back] = await env.records.query('awkward2');
    expect(back).toMatchObject({ name: awkward[0]!.name, city: 'Zürich', type: 'c', employees: 3 });
  });

  it('writes a cell that starts like a formula as text, by the jobs export’s rule', async () => {
    const risky = [
      { id: 'f1', name: '=HYPERLINK("https://evil.example","open")', type: 'a' as const, city: '+Berlin', employees: 1 },
      { id: 'f2', name: '@SUM(A1)', type: 'a' as const, city: '-1+2', employees: 2 },
    ];
    await env.records.putMany('formulas', risky);
    await runJob(exportJob, { data: { entityName: 'formulas' }, job: { id: 'exp6' } });
    const object = await env.clients.s3.send(new GetObjectCommand({ Bucket: env.bucketName, Key: 'exports/test/exp6/formulas.csv' }));
    const text = await object.Body!.transformToString();
    expect(text.split('\r\n').slice(1, 3)).toEqual([`f1,"'=HYPERLINK(""https://evil.example"",""open"")",a,'+Berlin,1,0`, "f2,'@SUM(A1),a,'-1+2,2,0"]);
  });

  it('uploads a file larger than one part in several parts', async () => {
    const wide = Array.from({ length: 3_000 }, (_, i) => ({
      id: `w-${String(i).padStart(4, '0')}`,
      name: `${i} ${'n'.repeat(2_000)}`,
      type: 'a' as const,
      city: 'Berlin',
      employees: i,
    }));
    await env.records.putMany('wide', wide);
    const ctx = await runJob(exportJob, { data: { entityName: 'wide' }, job: { id: 'exp4' } });
    expect(ctx.results?.recordsExported).toBe(3_000);
    const object = await env.clients.s3.send(new GetObjectCommand({ Bucket: env.bucketName, Key: 'exports/test/exp4/wide.csv' }));
    // lib-storage uploads 5 MiB parts; a multipart object's ETag ends with its part count.
    expect(object.ContentLength).toBeGreaterThan(5 * 1024 * 1024);
    expect(object.ETag).toMatch(/-2"?$/);
    const rows = parseCsv(await object.Body!.transformToString());
    expect(rows).toHaveLength(3_001);
    expect(rows.at(-1)!.fields[0]).toBe('w-2999');
  }, 30_000);

  it('exports an empty selection as a header only', async () => {
    const ctx = await runJob(exportJob, { data: { entityName: SEED_ENTITY, query: { city: 'Atlantis' } }, job: { id: 'exp3' } });
    expect(ctx.results?.recordsExported).toBe(0);
    const object = await env.clients.s3.send(new GetObjectCommand({ Bucket: env.bucketName, Key: 'exports/test/exp3/companies.csv' }));
    expect(await object.Body!.transformToString()).toBe('id,name,type,city,employees,touchCount\r\n');
  });
});
