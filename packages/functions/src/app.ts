import type { JobDefinition } from '@stint/sdk';
import type { AwsClients, StintConfig } from '@stint/core';
import { createRecordsApp } from '@stint/records-app';

/**
 * The job types this deployment runs. A team replaces this module with its own (the
 * deployments bundle whatever it exports); Stint ships the example records app here.
 */
export function createAppDefinitions(clients: AwsClients, config: StintConfig): JobDefinition[] {
  return createRecordsApp({ dynamo: clients.dynamo, s3: clients.s3, tableName: config.tableName, bucketName: config.bucketName }).definitions;
}
