import { Readable } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import { defineJob, type JobContext } from '@stint/sdk';
import * as z from 'zod';
import { csvLine } from '../csv.ts';
import { exportKey } from '../files.ts';
import type { AppRecord, RecordQuery, RecordStore } from '../record-store.ts';
import { entityName, parseData, recordQuery, type JobDeps } from './common.ts';

export const EXPORT_RECORDS = 'EXPORT_RECORDS';
/** Every field of a record, touchCount included: an export is how a user checks that each job touched a record once. */
export const EXPORT_COLUMNS = ['id', 'name', 'type', 'city', 'employees', 'touchCount'] as const satisfies ReadonlyArray<keyof AppRecord>;

export const exportDataSchema = z.object({ entityName, query: recordQuery.default({}) });
export type ExportRecordsData = z.input<typeof exportDataSchema>;
export interface ExportRecordsResults {
  fileId: string;
  fileLink: string;
  recordsExported: number;
}

export function exportRecordsJob(deps: JobDeps) {
  return defineJob<ExportRecordsData, ExportRecordsResults>({
    type: EXPORT_RECORDS,
    description: 'Exports the tenant’s records a query selects to a CSV file (download it from the job).',
    access: { submit: 'tenant-admin', intake: true },
    // Exporting again writes a fresh file of the records as they are now.
    restartable: true,
    label: (data) => `Export records from ${data.entityName}`,
    run: (ctx) => exportRecords(deps, ctx, parseData(exportDataSchema, ctx.data, EXPORT_RECORDS)),
  });
}

/** Writes the CSV of the records `data` selects as the job's result file. */
export async function exportRecords(deps: JobDeps, ctx: JobContext<unknown, ExportRecordsResults>, data: z.output<typeof exportDataSchema>): Promise<void> {
  const fileId = exportKey(ctx.job.tenant, ctx.job.id, data.entityName);
  // One step: an export interrupted half-way is simply written again, to the same key.
  // It deliberately ignores ctx.signal: the signal also fires when a slice must yield,
  // and an export restarted from scratch at every yield would never finish.
  const recordsExported = await ctx.step('export', async () => {
    const counter = { rows: 0 };
    const upload = new Upload({
      client: deps.s3,
      params: {
        Bucket: deps.bucketName,
        Key: fileId,
        Body: Readable.from(csvRows(deps.records(ctx.job.tenant), data.entityName, data.query, counter)),
        ContentType: 'text/csv; charset=utf-8',
        ContentDisposition: `attachment; filename="${data.entityName}.csv"`,
      },
    });
    await upload.done();
    ctx.log.info(`${counter.rows} records of ${data.entityName} exported to ${fileId}`);
    return counter.rows;
  });
  ctx.setResultFile(fileId);
  ctx.setResults({ fileId, fileLink: `/api/jobs/${ctx.job.id}/download`, recordsExported });
}

/** Streams the CSV page by page, so neither the records nor the file are held in memory. */
async function* csvRows(records: RecordStore, entity: string, query: RecordQuery, counter: { rows: number }): AsyncGenerator<string> {
  yield csvLine([...EXPORT_COLUMNS]);
  for await (const page of records.pages(entity, query)) {
    if (page.length === 0) continue;
    counter.rows += page.length;
    yield page.map((r) => csvLine(EXPORT_COLUMNS.map((column) => r[column]))).join('');
  }
}
