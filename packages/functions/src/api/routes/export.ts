import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { stream } from 'hono/streaming';
import { NotFoundError } from '@stint/core';
import { csvRow, jobCsvHeader, jobCsvRow, jobQuerySchema, parseJobQuery } from '@stint/core/query';
import { EXPORT_JOBS } from '@stint/core/system-jobs';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { AcceptedJobSchema, JobIdParams, jsonContent, TenantParam } from '../schemas.ts';
import { requestScope, startSystemJob, withoutParams, type ApiServices } from '../services.ts';

export const EXPORT_FILENAME = 'jobs-export.csv';
const EXPORT_PAGE_SIZE = '1000';
/** The export takes the find filters; paging is its own business. */
const exportQuerySchema = jobQuerySchema.omit({ _size: true, cursor: true }).extend({ tenant: TenantParam });

const exportCsv = createRoute({
  method: 'get',
  path: '/api/jobs/export.csv',
  operationId: 'exportJobs',
  tags: ['export'],
  summary: 'Export the jobs a find query matches as CSV',
  description:
    'Columns: ' +
    jobCsvHeader.join(', ') +
    '. Up to 10,000 rows answer at once as an attachment; a larger export answers 202 with an EXPORT_JOBS system job whose results hold `fileId` and `rowsExported`; download its file with GET /api/jobs/{id}/download. ' +
    'A range whose end is before its start (`createTo` < `createFrom`, likewise `startTo` and `endTo`) is refused, as in GET /api/jobs.',
  request: { query: exportQuerySchema },
  responses: {
    200: { description: 'The CSV file, as an attachment', content: { 'text/csv': { schema: z.string() } } },
    202: jsonContent(AcceptedJobSchema, 'Too large for one response: exporting to S3 as a system job'),
    ...errors(403),
  },
});

const download = createRoute({
  method: 'get',
  path: '/api/jobs/{id}/download',
  operationId: 'downloadResult',
  tags: ['export'],
  summary: 'Download a job’s result file',
  description:
    'Redirects to a presigned S3 link valid for 15 minutes; the file itself comes from S3, not from this api. ' + 'A job without a result file answers 404.',
  request: { params: JobIdParams },
  responses: {
    302: {
      description: 'Redirect to the file',
      headers: { Location: { description: 'The presigned S3 URL of the file', schema: { type: 'string', format: 'uri' } } },
    },
    ...errors(404),
  },
});

export function exportRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  openRoute(api, exportCsv, async (c) => {
    const principal = c.get('principal');
    const params = withoutParams(c.req.query(), 'tenant');
    const query = parseJobQuery({ ...params, _size: EXPORT_PAGE_SIZE });
    const tenant = c.req.query('tenant');
    const scope = requestScope(principal, tenant);
    // The status line goes first, so the rows are gathered before answering: a small export
    // is sent from memory, a large one (or one past Lambda's 6 MB response cap) moves to S3.
    const lines: string[] = [];
    let bytes = 0;
    let tooLarge = false;
    for await (const page of services.engine.monitor.jobPages(scope, query, services.cursors, services.now())) {
      for (const job of page) {
        const line = `${csvRow(jobCsvRow(job))}\r\n`;
        bytes += Buffer.byteLength(line);
        lines.push(line);
        if (lines.length > services.limits.exportInlineRows || bytes > services.limits.exportInlineBytes) tooLarge = true;
        if (tooLarge) break;
      }
      if (tooLarge) break;
    }
    if (tooLarge) {
      const job = await startSystemJob(services, principal, scope, EXPORT_JOBS, { filter: params });
      c.header('Location', `/api/jobs/${job.id}`);
      return c.json({ job }, 202);
    }
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${EXPORT_FILENAME}"`);
    c.header('Cache-Control', 'no-store');
    return stream(c, async (out) => {
      await out.write(`${csvRow(jobCsvHeader)}\r\n`);
      for (let i = 0; i < lines.length; i += 500) await out.write(lines.slice(i, i + 500).join(''));
    });
  });

  openRoute(api, download, async (c) => {
    const { id } = c.req.valid('param');
    const job = await services.engine.get(id, requestScope(c.get('principal'), undefined));
    if (job.resultFile === null) throw new NotFoundError(`job ${id} has no result file`);
    const filename = (job.resultFile.split('/').pop() || 'result').replaceAll(/["\\\r\n]/g, '_');
    const url = await getSignedUrl(
      services.s3,
      new GetObjectCommand({ Bucket: services.bucketName, Key: job.resultFile, ResponseContentDisposition: `attachment; filename="${filename}"` }),
      { expiresIn: services.limits.downloadUrlSeconds },
    );
    return c.redirect(url, 302);
  });
}
