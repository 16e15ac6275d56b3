import { randomBytes } from 'node:crypto';
import { JobRegistry, type JobDefinition, type ScheduleDefinition } from '@stint/sdk';
import { Engine, type AwsClients, type EngineEvent, type StintConfig } from '@stint/core';
import { createWorkerHandler } from '@stint/functions/worker-handler';
import { emulatorClients, startEmulators, type Emulators, type EmulatorOptions } from '@stint/local/emulators';
import { provision, type Provisioned } from '@stint/local/provision';
import { SqsPoller } from '@stint/local/sqs-poller';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export { emulatorClients, startEmulators, type Emulators, type EmulatorOptions };

export interface TestStackOptions {
  definitions: JobDefinition[];
  schedules?: ScheduleDefinition[];
  /** The engine's clock (schedule tests move time by hand). */
  clock?: () => number;
  /** SNS topic for scheduled-run reports. */
  reportTopicArn?: string;
  tuning?: Partial<Pick<StintConfig, 'sliceBudgetMs' | 'leaseMs' | 'maxInFlightPerRoot'>>;
  visibilityTimeoutSeconds?: number;
  redispatchAfterMs?: number;
  settleGraceMs?: number;
  counterSettleMs?: number;
  runsKept?: number;
  concurrency?: number;
  batchSize?: number;
  workerId?: string;
}

export interface TestStack {
  engine: Engine;
  clients: AwsClients;
  provisioned: Provisioned;
  config: StintConfig;
  poller: SqsPoller;
  events: EngineEvent[];
  /** Polls until `done` holds; fails after `timeoutMs`. */
  runUntil(done: () => Promise<boolean> | boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A fresh table, queues and bucket on shared emulators, an engine over them, and a poller. */
export async function createTestStack(emulators: Emulators, options: TestStackOptions): Promise<TestStack> {
  const clients = emulatorClients(emulators);
  const provisioned = await provision(clients, {
    tableName: uniqueName('jobs'),
    bucketName: uniqueName('exports'),
    queuePrefix: `${uniqueName('q')}-`,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
  });
  const config: StintConfig = {
    tableName: provisioned.tableName,
    workQueueUrl: provisioned.queueUrls.work,
    lowQueueUrl: provisioned.queueUrls.low,
    bucketName: provisioned.bucketName,
    sliceBudgetMs: options.tuning?.sliceBudgetMs ?? 10_000,
    leaseMs: options.tuning?.leaseMs ?? 10_000,
    maxInFlightPerRoot: options.tuning?.maxInFlightPerRoot ?? 4,
    retentionDays: 30,
    ...(options.reportTopicArn ? { reportTopicArn: options.reportTopicArn } : {}),
  };
  return attachTestStack(clients, provisioned, config, options);
}

/**
 * An engine and a poller over resources that exist already: a second worker on the same
 * table, or the process that recovers after another one was killed.
 */
export function attachTestStack(clients: AwsClients, provisioned: Provisioned, config: StintConfig, options: TestStackOptions): TestStack {
  const events: EngineEvent[] = [];
  const engine = new Engine({
    clients,
    config,
    registry: new JobRegistry(options.definitions),
    ...(options.schedules ? { schedules: options.schedules } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.workerId ? { workerId: options.workerId } : {}),
    ...(options.redispatchAfterMs ? { redispatchAfterMs: options.redispatchAfterMs } : {}),
    ...(options.settleGraceMs !== undefined ? { settleGraceMs: options.settleGraceMs } : {}),
    ...(options.counterSettleMs !== undefined ? { counterSettleMs: options.counterSettleMs } : {}),
    ...(options.runsKept !== undefined ? { runsKept: options.runsKept } : {}),
    onEvent: (event) => events.push(event),
  });
  const poller = new SqsPoller({
    sqs: clients.sqs,
    queues: [
      { url: provisioned.queueUrls.work, arn: `arn:aws:sqs:us-east-1:000000000000:${provisioned.queueUrls.work.split('/').pop()}` },
      { url: provisioned.queueUrls.low, arn: `arn:aws:sqs:us-east-1:000000000000:${provisioned.queueUrls.low.split('/').pop()}` },
    ],
    handler: createWorkerHandler(engine),
    batchSize: options.batchSize ?? 10,
    concurrency: options.concurrency ?? 2,
    onError: (error) => events.push({ type: 'warning', message: 'poller error', error }),
  });
  return {
    engine,
    clients,
    provisioned,
    config,
    poller,
    events,
    async runUntil(done, timeoutMs = 20_000) {
      poller.start();
      const deadline = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await poller.stop();
    },
  };
}
