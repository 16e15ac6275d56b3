import type { S3Client } from '@aws-sdk/client-s3';
import type { JobDefinition } from '@stint/sdk';
import { bulkOperationJob } from './bulk-operation.ts';
import { clearInactiveJob } from './clear-inactive.ts';
import { exportJobsJob } from './export-jobs.ts';
import type { SystemJobEngine } from './system-job-engine.ts';

/** The monitor's own job types (EXPORT_JOBS, BULK_OPERATION, CLEAR_INACTIVE), which the engine registers. */
export function systemJobDefinitions(engine: SystemJobEngine, s3: S3Client, bucketName: string): JobDefinition[] {
  return [exportJobsJob({ engine, s3, bucketName }), bulkOperationJob(engine), clearInactiveJob(engine)];
}
