/**
 * A worker in its own process, for crash tests: the test SIGKILLs it mid-slice. It runs the
 * records app and the counted-steps job against emulators the test started.
 */
import type { StintConfig } from '@stint/core';
import { emulatorClients } from '@stint/local/emulators';
import { createRuntime } from '@stint/functions/runtime';
import { createWorkerHandler } from '@stint/functions/worker-handler';
import { SqsPoller } from '@stint/local/sqs-poller';
import stintApp from '../../stint.app.ts';
import { countedStepsJob, StepLedger } from './crash-jobs.ts';

const env = process.env;
const clients = emulatorClients({ dynamoEndpoint: env.TEST_DYNAMO_ENDPOINT!, awsEndpoint: env.TEST_AWS_ENDPOINT! });
const config = JSON.parse(env.TEST_CONFIG!) as StintConfig;
const runtime = createRuntime({
  app: stintApp,
  recordsApp: true,
  clients,
  config,
  workerId: 'doomed-worker',
  extraDefinitions: () => [countedStepsJob(new StepLedger(clients.dynamo, config.tableName), 'doomed')],
});
new SqsPoller({
  sqs: clients.sqs,
  queues: [{ url: config.workQueueUrl, arn: 'arn:aws:sqs:us-east-1:000000000000:work' }],
  handler: createWorkerHandler(runtime.engine),
  concurrency: 2,
}).start();
process.stdout.write('ready\n');
