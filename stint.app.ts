/**
 * This installation's job types and schedules: the one file to edit when you adopt Stint.
 * `npm start` loads it, and every Lambda handler imports it, so the deployments (SST and CDK)
 * bundle it with each function. Register your `defineJob` and `defineSchedule` results here;
 * Stint adds its own system jobs. See README.md, "Write a job".
 */
import { defineStintApp, type StintApp } from '@stint/core';
import { createRecordsApp } from '@stint/records-app';

export default defineStintApp((context): StintApp => {
  const app: StintApp = { definitions: [], schedules: [] };
  // The example records app: `npm start` registers it; a deployment only with
  // STINT_DEPLOY_RECORDS_APP=true. Remove these lines once your own types are here.
  if (context.recordsApp) {
    const { definitions, schedules } = createRecordsApp({
      dynamo: context.clients.dynamo,
      s3: context.clients.s3,
      tableName: context.config.tableName,
      bucketName: context.config.bucketName,
    });
    app.definitions.push(...definitions);
    app.schedules.push(...schedules);
  }
  return app;
});
