/// <reference path="./.sst/platform/config.d.ts" />

/**
 * SST front door: `npx sst deploy --stage prod`. The resources come from infra/*.ts, which
 * read the same spec as the CDK construct (infra/spec.ts). See docs/deploy.md.
 */
export default $config({
  app(input) {
    // Mirrors isProductionStage() in infra/spec.ts; sst.config.ts may not import at the top level.
    const production = input?.stage === 'prod' || input?.stage === 'production';
    return {
      name: 'stint',
      home: 'aws',
      removal: production ? 'retain' : 'remove',
      protect: production,
    };
  },
  async run() {
    const { table, bucket } = await import('./infra/storage');
    const { queues } = await import('./infra/queues');
    const { reportTopic } = await import('./infra/reports');
    await import('./infra/functions');
    const { api } = await import('./infra/api');
    const { dashboard } = await import('./infra/alarms');
    return {
      apiUrl: api.url,
      tableName: table.name,
      intakeQueueUrl: queues.intake.queue.url,
      intakeQueueArn: queues.intake.queue.arn,
      exportBucketName: bucket.name,
      reportTopicArn: reportTopic.arn,
      dashboardName: dashboard.dashboardName,
    };
  },
});
