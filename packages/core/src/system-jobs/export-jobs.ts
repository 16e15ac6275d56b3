import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { defineJob, type JobDefinition } from '@stint/sdk';
import type { Job } from '../job.ts';
import { jobCsvLines } from '../query/csv.ts';
import { openCursors } from '../query/cursor.ts';
import { parseJobQuery } from '../query/job-query.ts';
import { BUCKET } from '../resource-spec.ts';
import type { SystemJobEngine } from './system-job-engine.ts';
import { systemJobScope } from './system-scope.ts';

export const EXPORT_JOBS = 'EXPORT_JOBS';

export interface ExportJobsData {
  /** Find query parameters (as `GET /api/jobs/export.csv` took them), without cursor or page size. */
  filter: Record<string, string>;
}

export interface ExportJobsResults {
  /** Key of the CSV in the export bucket; also the job's `resultFile`, downloadable via `/api/jobs/:id/download`. */
  fileId: string;
  rowsExported: number;
}

export interface ExportJobsDeps {
  engine: SystemJobEngine;
  s3: S3Client;
  bucketName: string;
}

/** Rows per finder page: the largest page the query API allows, so a big export takes few reads. */
const EXPORT_PAGE_SIZE = 1_000;
/** lib-storage's minimum part size; parts upload while the next one is produced. */
const PART_SIZE = 5 * 1024 * 1024;

export function exportFileKey(tenant: string, jobId: string): string {
  return `${BUCKET.exportPrefix}${tenant}/${jobId}/jobs-export.csv`;
}

/**
 * The CSV export too large for one api response. Rows stream from the finder's pages into a
 * multipart upload, so memory holds a part or two whatever the row count. The whole export is
 * one step: a retry after a crash uploads the file again under the same key, which replaces
 * the partial attempt (an unfinished multipart upload is never visible, and the bucket's
 * lifecycle rule aborts it).
 */
export function exportJobsJob(deps: ExportJobsDeps): JobDefinition<ExportJobsData, ExportJobsResults> {
  return defineJob<ExportJobsData, ExportJobsResults>({
    type: EXPORT_JOBS,
    system: true,
    label: () => 'Export jobs to CSV',
    async run(ctx) {
      const exported = await ctx.step('export', async () => {
        const scope = systemJobScope(ctx.job.tenant);
        const query = parseJobQuery({ ...ctx.data.filter, _size: String(EXPORT_PAGE_SIZE) });
        const key = exportFileKey(ctx.job.tenant, ctx.job.id);
        let rowsExported = 0;
        async function* counted(): AsyncGenerator<Job[]> {
          for await (const page of deps.engine.monitor.jobPages(scope, query, openCursors)) {
            rowsExported += page.length;
            yield page;
          }
        }
        const upload = new Upload({
          client: deps.s3,
          partSize: PART_SIZE,
          params: {
            Bucket: deps.bucketName,
            Key: key,
            Body: Readable.from(jobCsvLines(counted())),
            ContentType: 'text/csv; charset=utf-8',
            ContentDisposition: 'attachment; filename="jobs-export.csv"',
          },
        });
        await upload.done();
        ctx.log.info(`exported ${rowsExported} jobs`);
        return { fileId: key, rowsExported };
      });
      // The download route serves the job's result file.
      ctx.setResultFile(exported.fileId);
      return exported;
    },
  });
}
