import { BUCKET } from '@stint/core/resource-spec';
import { isInstallationJob } from '@stint/sdk';

/**
 * Where the app's files live in the export bucket, one folder per tenant:
 *   exports/<tenant>/<jobId>/<entity>.csv   written by EXPORT_RECORDS (core's EXPORT_JOBS writes beside)
 *   imports/<tenant>/…                      read by IMPORT_RECORDS
 * A job takes its folder from its own job's tenant; a key from its data is accepted only
 * inside that folder.
 */

export const exportFolder = (tenant: string) => `${BUCKET.exportPrefix}${tenant}/`;
export const importFolder = (tenant: string) => `imports/${tenant}/`;
export const exportKey = (tenant: string, jobId: string, entity: string) => `${exportFolder(tenant)}${jobId}/${entity}.csv`;

/**
 * The folder PURGE_EXPORTS cleans: its tenant's, or the whole export folder for the
 * installation job (which only the scheduler and admins can start).
 */
export const purgeFolder = (job: { tenant: string }) => (isInstallationJob(job) ? BUCKET.exportPrefix : exportFolder(job.tenant));

/**
 * Why `key` is not a file (or a listing prefix) inside `folder`, or undefined when it is. Dot
 * and empty segments are refused too: S3 keeps them literally, but a tool that normalises
 * paths on the way would not. A prefix may be empty (the whole folder) or end with `/`.
 */
export function outsideFolder(key: string, folder: string, what: 'file' | 'prefix' = 'file'): string | undefined {
  const rest = key.startsWith(folder) ? key.slice(folder.length) : undefined;
  const segments = (rest ?? '').split('/');
  if (what === 'prefix' && segments.at(-1) === '') segments.pop();
  const inside = rest !== undefined && (what === 'prefix' || rest !== '') && !segments.some((s) => s === '' || s === '.' || s === '..');
  return inside ? undefined : `must be a ${what} under ${folder}`;
}
