import type { JobDefinition } from '@stint/sdk';
import type { AwsClients } from '../aws-clients.ts';
import type { StintConfig } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import { TenantDirectory } from '../auth/tenant-directory.ts';
import { bulkOperationJob } from './bulk-operation.ts';
import { clearInactiveJob } from './clear-inactive.ts';
import { exportJobsJob } from './export-jobs.ts';

/**
 * The monitor's own job types (EXPORT_JOBS, BULK_OPERATION, CLEAR_INACTIVE). The signature
 * is the runtime's `extraDefinitions` hook: the engine is passed lazily because the engine
 * needs the registry these definitions go into.
 */
export function systemJobDefinitions(engine: () => Engine, clients: AwsClients, config: StintConfig): JobDefinition[] {
  const tenants = new TenantDirectory(clients.dynamo, config.tableName);
  return [
    exportJobsJob({ engine, tenants, s3: clients.s3, bucketName: config.bucketName }),
    bulkOperationJob({ engine, tenants }),
    clearInactiveJob({ engine, tenants }),
  ];
}
