import { defineJob, NonRetriableError } from '@stint/sdk';
import { parseData, type JobDeps } from './common.ts';
import { exportDataSchema, exportRecords, type ExportRecordsData, type ExportRecordsResults } from './export-records.ts';

export const APPROVED_EXPORT = 'APPROVED_EXPORT';
/** The event that approves one: its key is the job's id. */
export const APPROVAL_EVENT = 'export.approved';
export const APPROVAL_TIMEOUT_MS = 24 * 3_600_000;

/**
 * An export that waits for a person's approval (human in the loop): it holds no worker while it
 * waits, exports once `export.approved` arrives with the job's id as its key, and ends with an
 * error when none came within 24 hours.
 */
export function approvedExportJob(deps: JobDeps) {
  return defineJob<ExportRecordsData, ExportRecordsResults>({
    type: APPROVED_EXPORT,
    description: `Exports the tenant’s records once approved: POST /api/events {"name":"${APPROVAL_EVENT}","key":"<this job’s id>"} within 24 hours.`,
    access: { submit: 'tenant-admin', intake: true },
    label: (data) => `Export records from ${data.entityName}, once approved`,
    async run(ctx) {
      const data = parseData(exportDataSchema, ctx.data, APPROVED_EXPORT);
      ctx.log.info(`waiting for approval: send the event ${APPROVAL_EVENT} with key ${ctx.job.id}`);
      const approval = await ctx.waitForEvent<{ by?: string }>(APPROVAL_EVENT, { key: ctx.job.id, timeoutMs: APPROVAL_TIMEOUT_MS });
      if (approval === null) throw new NonRetriableError(`not approved within ${APPROVAL_TIMEOUT_MS / 3_600_000} hours`);
      ctx.log.info(`approved${approval.by ? ` by ${approval.by}` : ''}`);
      await exportRecords(deps, ctx, data);
    },
  });
}
