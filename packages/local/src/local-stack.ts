import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsClients, EngineEvent, StintConfig } from '@stint/core';
import { DEFAULT_TENANT, TenantDirectory } from '@stint/core/auth';
import { createIntakeHandler } from '@stint/functions/intake-handler';
import { createRuntime, type Runtime } from '@stint/functions/runtime';
import { changeVisibilityOn } from '@stint/functions/message-retry';
import { createWorkerHandler } from '@stint/functions/worker-handler';
import { createRecordsApp } from '@stint/records-app';
import stintApp from '../../../stint.app.ts';
import { chaosJobDefinitions } from './chaos/chaos-jobs.ts';
import { EMULATOR_REGION, emulatorClients, startEmulators, type Emulators } from './emulators.ts';
import type { LocalOptions } from './local-options.ts';
import { provision, type Provisioned } from './provision.ts';
import { describeRepair, endRun, repairLocalTable, startRun } from './repair/startup-repair.ts';
import { formatReport, openReportInbox } from './report-inbox.ts';
import { SqsPoller } from './sqs-poller.ts';

export interface LocalStack {
  runtime: Runtime;
  clients: AwsClients;
  provisioned: Provisioned;
  emulators: Emulators;
  /**
   * Stops pollers, sweeper and emulators. `requestsDone: false` (an api request may still be
   * writing) leaves the run marked as killed, so the next start repairs the table.
   */
  stop(options?: { requestsDone?: boolean }): Promise<void>;
}

/**
 * Everything `npm start` runs, in one process: the emulators (dynalite keeps its data in
 * `dataDir`; fauxqs keeps queues and files in memory), the table, queues and bucket, the
 * engine, pollers that feed the worker and intake handlers real SQS events, and the sweeper.
 * Scheduled-run reports, which a deployment emails, are printed to the console.
 */
export async function startLocalStack(options: LocalOptions, onEvent?: (event: EngineEvent) => void): Promise<LocalStack> {
  mkdirSync(options.dataDir, { recursive: true });
  const emulators = await startEmulators({ dataDir: join(options.dataDir, 'dynamodb') });
  const clients = emulatorClients(emulators);
  const queuePrefix = 'stint-';
  const provisioned = await provision(clients, {
    tableName: 'stint-jobs',
    bucketName: 'stint-exports',
    queuePrefix,
    visibilityTimeoutSeconds: 30,
  });
  // Before anything reads the table: a kill of the previous run may have left dynalite's
  // indexes and the counters out of step with the items.
  if ((await startRun(clients.dynamo, provisioned.tableName)).previousRunKilled) {
    const repaired = describeRepair(await repairLocalTable(clients.dynamo, provisioned.tableName));
    if (repaired) console.log(repaired);
  }
  const config: StintConfig = {
    tableName: provisioned.tableName,
    workQueueUrl: provisioned.queueUrls.work,
    lowQueueUrl: provisioned.queueUrls.low,
    bucketName: provisioned.bucketName,
    sliceBudgetMs: options.sliceBudgetMs,
    leaseMs: options.leaseMs,
    maxInFlightPerRoot: 4,
    retentionDays: 30,
    reportTopicArn: provisioned.reportTopicArn,
  };
  // npm start always runs the example records app beside whatever stint.app.ts registers.
  const runtime = createRuntime({
    app: stintApp,
    recordsApp: true,
    clients,
    config,
    ...(options.chaos ? { extraDefinitions: () => chaosJobDefinitions(clients.dynamo, config.tableName) } : {}),
    ...(onEvent ? { onEvent } : {}),
  });
  if (options.seed) {
    await createRecordsApp({ dynamo: clients.dynamo, s3: clients.s3, tableName: config.tableName, bucketName: config.bucketName }).seed(DEFAULT_TENANT);
    // The tenant the admin's jobs land in, known from the start so its tenant-scoped schedules show at once.
    await new TenantDirectory(clients.dynamo, config.tableName).remember(DEFAULT_TENANT);
  }

  const arnOf = (url: string) => `arn:aws:sqs:${EMULATOR_REGION}:000000000000:${url.split('/').pop()}`;
  const workerQueues = [provisioned.queueUrls.work, provisioned.queueUrls.low];
  const worker = new SqsPoller({
    sqs: clients.sqs,
    queues: workerQueues.map((url) => ({ url, arn: arnOf(url) })),
    handler: createWorkerHandler(runtime.engine, { changeVisibility: changeVisibilityOn(clients.sqs, workerQueues), heartbeatSeconds: 30 }),
    concurrency: options.workerConcurrency,
  });
  const intake = new SqsPoller({
    sqs: clients.sqs,
    queues: [{ url: provisioned.queueUrls.intake, arn: arnOf(provisioned.queueUrls.intake) }],
    handler: createIntakeHandler(runtime.engine, {
      defaultTenant: DEFAULT_TENANT,
      binding: options.intakeBinding,
      changeVisibility: changeVisibilityOn(clients.sqs, [provisioned.queueUrls.intake]),
      onRejected: (rejection) => console.error(`intake: rejected ${rejection.messageId}: ${rejection.reason}`),
    }),
    concurrency: 1,
  });
  const reports = await openReportInbox(clients, {
    topicArn: provisioned.reportTopicArn,
    queuePrefix,
    onReport: (report) => console.log(formatReport(report)),
    onError: (error) => console.error('reports inbox:', error),
  });
  worker.start();
  intake.start();
  reports.poller.start();
  // One sweep at a time, as the scheduled sweeper Lambda runs: overlapping sweeps under load
  // would only pile up requests. The first one knows the new in-memory queues are empty, so
  // whatever a previous run had dispatched lost its message.
  let running = true;
  let wake = () => {};
  const sweeping = (async () => {
    for (let first = true; running; first = false) {
      await runtime.engine.sweep(first ? { messagesLost: true } : {}).catch((error) => console.error('sweeper:', error));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.sweepIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  return {
    runtime,
    clients,
    provisioned,
    emulators,
    async stop({ requestsDone = true } = {}) {
      running = false;
      wake();
      const stopped = await Promise.allSettled([worker.stop(), intake.stop(), reports.poller.stop(), sweeping]);
      // Only a stop whose work all ended may spare the next start its repair.
      if (requestsDone && stopped.every((result) => result.status === 'fulfilled')) await endRun(clients.dynamo, provisioned.tableName);
      await emulators.stop();
    },
  };
}
