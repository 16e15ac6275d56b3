import { functions } from './functions.ts';
import { table } from './storage.ts';
import { queues, streamFailures } from './queues.ts';
import { settings } from './settings.ts';
import { alarmArgs, dashboardBody } from './sst-alarm-args.ts';

const names = {
  tableName: table.name,
  workerFunctionName: functions.worker.name,
  queueNames: { work: queues.work.queue.nodes.queue.name, low: queues.low.queue.nodes.queue.name, intake: queues.intake.queue.nodes.queue.name },
  dlqNames: { work: queues.work.dlq.nodes.queue.name, low: queues.low.dlq.nodes.queue.name, intake: queues.intake.dlq.nodes.queue.name },
  expiryFunctionName: functions.expiry.name,
  streamFailuresName: streamFailures.nodes.queue.name,
};

// A new topic keeps SNS's default policy, which lets this account's alarms publish.
const topicArn = settings.alarmTopicArn ?? (settings.createAlarmTopic ? new sst.aws.SnsTopic('AlarmTopic').arn : undefined);

for (const [name, args] of Object.entries(alarmArgs(names, settings.waitingTimeThresholdMs, topicArn))) {
  new aws.cloudwatch.MetricAlarm(name, args);
}

const resolved = $resolve({
  region: aws.getRegionOutput().name,
  table: names.tableName,
  worker: names.workerFunctionName,
  work: names.queueNames.work,
  low: names.queueNames.low,
  intake: names.queueNames.intake,
  workDlq: names.dlqNames.work,
  lowDlq: names.dlqNames.low,
  intakeDlq: names.dlqNames.intake,
  streamFailures: names.streamFailuresName,
  api: functions.api.name,
  sweeper: functions.sweeper.name,
  intakeFn: functions.intake.name,
  expiry: functions.expiry.name,
});

export const dashboard = new aws.cloudwatch.Dashboard('Dashboard', {
  dashboardName: `Stint-${$app.stage}`,
  dashboardBody: resolved.apply((n) =>
    dashboardBody(
      n.region,
      {
        tableName: n.table,
        workerFunctionName: n.worker,
        queueNames: { work: n.work, low: n.low, intake: n.intake },
        dlqNames: { work: n.workDlq, low: n.lowDlq, intake: n.intakeDlq },
        expiryFunctionName: n.expiry,
        streamFailuresName: n.streamFailures,
        functionNames: { api: n.api, worker: n.worker, intake: n.intakeFn, sweeper: n.sweeper, expiry: n.expiry },
      },
      settings.waitingTimeThresholdMs,
    ),
  ),
});
