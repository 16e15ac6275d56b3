import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { defineJob, NonRetriableError } from '@stint/sdk';
import * as z from 'zod';
import { outsideFolder, purgeFolder } from '../files.ts';
import { parseData, type JobDeps } from './common.ts';

export const PURGE_EXPORTS = 'PURGE_EXPORTS';
/** ListObjectsV2 and DeleteObjects both take at most 1,000 keys: one step per listed page. */
const KEYS_PER_STEP = 1_000;

const dataSchema = z.object({
  // 0 deletes every file under the prefix (an operator's "empty it now").
  olderThanDays: z.number().int().min(0).max(3650).default(7),
  /** Narrows the cleanup inside the job's folder (`<jobId>/`); it can never leave it. */
  prefix: z.string().max(200).default(''),
});
export type PurgeExportsData = z.input<typeof dataSchema>;
export interface PurgeExportsResults {
  deleted: number;
  failed: number;
}

/**
 * Deletes export files older than a number of days: a tenant's (`exports/<tenant>/`) when the
 * job lives in a tenant, every tenant's when it is the installation job (the exports-cleanup
 * schedule's run). Admins and the scheduler only: whoever runs it decides what is lost. Each
 * page of the listing is one step, so a run that stops or crashes resumes at the page it was
 * on; files that cannot be deleted are logged as errors and the run goes on (it then ends
 * "with warnings").
 */
export function purgeExportsJob(deps: JobDeps) {
  return defineJob<PurgeExportsData, PurgeExportsResults>({
    type: PURGE_EXPORTS,
    description: 'Deletes old export files: one tenant’s, or every tenant’s as the installation job. Admins only.',
    access: { submit: 'admin', intake: false },
    label: (data) => `Purge export files older than ${data.olderThanDays ?? 7} days`,
    async run(ctx) {
      const data = parseData(dataSchema, ctx.data, PURGE_EXPORTS);
      // The reach follows from the job's tenant, never from its data.
      const folder = purgeFolder(ctx.job);
      const prefix = `${folder}${data.prefix}`;
      const outside = outsideFolder(prefix, folder, 'prefix');
      if (outside) throw new NonRetriableError(`prefix ${data.prefix}: ${prefix} ${outside}`);
      const cutoff = await ctx.step('cutoff', async () => Date.now() - data.olderThanDays * 86_400_000);
      const totals = { deleted: 0, failed: 0 };
      let token: string | undefined;
      for (let page = 0; ; page++) {
        const outcome = await ctx.step(`page-${page}`, async () => {
          const listed = await deps.s3.send(
            new ListObjectsV2Command({ Bucket: deps.bucketName, Prefix: prefix, MaxKeys: KEYS_PER_STEP, ContinuationToken: token }),
          );
          const old = (listed.Contents ?? []).filter((object) => object.Key && object.LastModified && object.LastModified.getTime() < cutoff);
          let failed = 0;
          if (old.length > 0) {
            const out = await deps.s3.send(
              new DeleteObjectsCommand({ Bucket: deps.bucketName, Delete: { Objects: old.map((object) => ({ Key: object.Key! })), Quiet: true } }),
            );
            for (const error of out.Errors ?? []) ctx.log.error(`could not delete ${error.Key}: ${error.Code} ${error.Message ?? ''}`.trim());
            failed = out.Errors?.length ?? 0;
          }
          return { deleted: old.length - failed, failed, next: listed.IsTruncated ? (listed.NextContinuationToken ?? null) : null };
        });
        totals.deleted += outcome.deleted;
        totals.failed += outcome.failed;
        if (outcome.next === null) break;
        token = outcome.next;
      }
      ctx.log.info(
        `deleted ${totals.deleted} export files older than ${data.olderThanDays} days${totals.failed ? `; ${totals.failed} could not be deleted` : ''}`,
      );
      ctx.setResults(totals);
    },
  });
}
