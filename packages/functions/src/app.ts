import type { JobDefinition, ScheduleDefinition } from '@stint/sdk';
import type { AwsClients, StintConfig } from '@stint/core';
import { createRecordsApp } from '@stint/records-app';

export interface AppParts {
  definitions: JobDefinition[];
  schedules: ScheduleDefinition[];
}

/**
 * The job types and schedules this deployment runs. A team replaces this module with its own
 * (the deployments bundle whatever it exports); Stint ships the example records app here.
 */
export function createApp(clients: AwsClients, config: StintConfig): AppParts {
  const app = createRecordsApp({ dynamo: clients.dynamo, s3: clients.s3, tableName: config.tableName, bucketName: config.bucketName });
  return { definitions: app.definitions, schedules: app.schedules };
}
