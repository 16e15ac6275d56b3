import { pascal } from './naming.ts';
import { queues, streamFailures } from './queues.ts';
import { reportTopic } from './reports.ts';
import { adminTokenSecretArn, sessionSecret } from './secrets.ts';
import { settings } from './settings.ts';
import { BUCKET, FUNCTIONS, TABLE, type FunctionId, type QueueId, type ResourceName } from './spec.ts';
import { functionArgs, streamSubscriberArgs, subscriberArgs, sweeperCronArgs } from './sst-args.ts';
import { bucket, table } from './storage.ts';

/** ARNs of a logical resource name; the same mapping as infra/cdk/permissions.ts. */
function arns(name: ResourceName): $util.Output<string>[] {
  switch (name) {
    case 'table':
      return [table.arn];
    case 'tableIndexes':
      return TABLE.indexes.map((index) => $interpolate`${table.arn}/index/${index.name}`);
    case 'tableStream':
      return [table.nodes.table.streamArn];
    case 'streamFailures':
      return [streamFailures.arn];
    case 'exportObjects':
      return [$interpolate`${bucket.arn}/*`];
    case 'exportBucket':
      return [bucket.arn];
    case 'exportFiles':
      return [$interpolate`${bucket.arn}/${BUCKET.exportPrefix}*`];
    case 'reportTopic':
      return [reportTopic.arn];
    case 'apiSecrets':
      return [sessionSecret.arn, ...(adminTokenSecretArn ? [adminTokenSecretArn] : [])];
    default:
      return [queues[name.slice(0, -'Queue'.length) as QueueId].queue.arn];
  }
}

const refs = {
  tableName: table.name,
  workQueueUrl: queues.work.queue.url,
  lowQueueUrl: queues.low.queue.url,
  bucketName: bucket.name,
  reportTopicArn: reportTopic.arn,
  sessionSecretArn: sessionSecret.arn,
  ...(adminTokenSecretArn ? { adminTokenSecretArn } : {}),
};

export const functions = {} as Record<FunctionId, sst.aws.Function>;
for (const spec of FUNCTIONS) {
  functions[spec.id] = new sst.aws.Function(pascal(spec.id), functionArgs(spec, refs, settings.deployment, arns));
}
for (const spec of FUNCTIONS) {
  for (const consumer of spec.consumes) {
    queues[consumer.queue].queue.subscribe(functions[spec.id].arn, subscriberArgs(consumer));
  }
  if (spec.tableStream) table.subscribe(`${pascal(spec.id)}Stream`, functions[spec.id].arn, streamSubscriberArgs(spec.tableStream, streamFailures.arn));
}

new sst.aws.Cron('SweeperSchedule', sweeperCronArgs(functions.sweeper.arn));
