/**
 * The deployment spec both front doors read: the CDK construct in infra/cdk and the SST
 * components in infra/*.ts. It sits on the core resource spec, which the local stack reads
 * too, and adds what only a deployment needs: functions, triggers, bundling, permissions,
 * alarms. Changing a value here changes both deployments.
 */
import { BUCKET, ENV, QUEUES, REPORTS, RETENTION, TABLE, WORKER } from '@stint/core/resource-spec';
import { API_ENV, CONFIG_ENV } from './spec-environment.ts';
import type { CopyFile, FunctionId, FunctionSpec, QueueConsumer, QueueId, StreamConsumer } from './spec-types.ts';

export { BUCKET, ENV, QUEUES, REPORTS, RETENTION, TABLE, WORKER };
export * from './spec-bundling.ts';
export * from './spec-environment.ts';
export * from './spec-observability.ts';
export * from './spec-permissions.ts';
export type * from './spec-types.ts';

export const RUNTIME = {
  /** Lambda runtime id; the esbuild target in spec-bundling.ts follows it. */
  lambda: 'nodejs22.x',
  architecture: 'arm64',
} as const;

/**
 * The monitor's static files, which the api serves from `assets/` beside its bundle: its own
 * CSS and scripts, and uPlot from node_modules (see packages/web/src/assets.ts).
 */
export const WEB_ASSETS: readonly CopyFile[] = [
  { from: 'packages/web/assets', to: 'assets' },
  { from: 'node_modules/uplot/dist/uPlot.esm.js', to: 'assets/vendor/uPlot.esm.js' },
  { from: 'node_modules/uplot/dist/uPlot.min.css', to: 'assets/vendor/uPlot.min.css' },
];

const handlerEntry = (id: FunctionId) => `packages/functions/src/lambda/${id}.ts`;

/**
 * The table's stream, which only the expiry function reads: old images, as it needs a removed
 * job as it was.
 */
export const TABLE_STREAM = { viewType: 'OLD_IMAGE' } as const;

/**
 * Where Lambda sends the place (shard and sequence numbers, not the records) of a stream batch
 * the expiry function failed on for `maxRecordAgeSeconds`: those jobs' leftovers stay and
 * their cards still count them. Its alarm says so; docs/deploy.md says what to do. Kept as
 * long as the queues' dead letters.
 */
export const STREAM_FAILURES = { retentionDays: 14 } as const;

/**
 * The stream records that invoke the expiry function: TTL's removals of job items. The
 * handler checks the remover again (expiry-handler.ts) and the engine the item, so the filter
 * saves invocations; every other write to the table is in the stream too.
 */
function ttlRemovalFilter(): StreamConsumer['filter'] {
  return {
    eventName: ['REMOVE'],
    userIdentity: { type: [TABLE.ttlRemover.type], principalId: [TABLE.ttlRemover.principalId] },
    dynamodb: { Keys: { [TABLE.sortKey]: { S: [TABLE.jobSortKey] } } },
  };
}

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    id: 'api',
    description: 'Stint HTTP API and job monitor',
    entry: handlerEntry('api'),
    // More memory buys CPU, which is what a cold request waits on.
    memoryMb: 1024,
    // API Gateway HTTP APIs give up on an integration after 30 s.
    timeoutSeconds: 29,
    env: [...CONFIG_ENV, ...API_ENV],
    consumes: [],
    tableStream: null,
    // @hono/zod-openapi imports `{ z }` itself, so the api keeps all of zod whatever Stint's code does.
    bundleBudgetKb: 1460,
    copyFiles: WEB_ASSETS,
    // A flood of api calls (or long polls, 25 s each) stops here instead of taking the
    // account's concurrency from the worker; and the worker cannot starve the api either.
    reservedConcurrency: 50,
  },
  {
    id: 'worker',
    description: 'Stint worker: runs job slices from the work and low queues',
    entry: handlerEntry('worker'),
    memoryMb: 1024,
    timeoutSeconds: WORKER.timeoutSeconds,
    env: CONFIG_ENV,
    consumes: [
      { queue: 'work', batchSize: WORKER.batchSize, maxConcurrency: 50 },
      // Low-priority slices only get spare capacity: a small cap keeps them from crowding out the work lane.
      { queue: 'low', batchSize: WORKER.batchSize, maxConcurrency: 5 },
    ],
    tableStream: null,
    bundleBudgetKb: 870,
    copyFiles: [],
    reservedConcurrency: null,
  },
  {
    id: 'intake',
    description: 'Stint intake: turns queued submissions from other AWS services into jobs',
    entry: handlerEntry('intake'),
    memoryMb: 512,
    timeoutSeconds: 30,
    env: [...CONFIG_ENV, ENV.defaultTenant, ENV.intakeTenants],
    consumes: [{ queue: 'intake', batchSize: 10, maxConcurrency: 5 }],
    tableStream: null,
    bundleBudgetKb: 870,
    copyFiles: [],
    reservedConcurrency: null,
  },
  {
    id: 'sweeper',
    description: 'Stint sweeper: re-dispatches expired leases and parked work every minute',
    entry: handlerEntry('sweeper'),
    memoryMb: 512,
    // Shorter than the schedule period, so one sweep ends before the next starts.
    timeoutSeconds: 55,
    env: CONFIG_ENV,
    consumes: [],
    tableStream: null,
    bundleBudgetKb: 870,
    copyFiles: [],
    reservedConcurrency: null,
  },
  {
    id: 'expiry',
    description: 'Stint expiry: removes the logs, checkpoints and counts of the jobs DynamoDB TTL removed',
    entry: handlerEntry('expiry'),
    memoryMb: 512,
    // A batch is cleaned job by job (a query and a batched delete each): seconds for a full one.
    timeoutSeconds: 60,
    env: CONFIG_ENV,
    consumes: [],
    tableStream: {
      batchSize: 100,
      // Nothing waits on the cleanup: fuller batches are fewer invocations.
      maxBatchingWindowSeconds: 30,
      // TTL removes a day's ended jobs in bursts, and one job's records share one partition key.
      parallelizationFactor: 4,
      // Then Lambda skips past the record and that job's leftovers stay; the stream keeps it 18 h more, to be replayed by hand.
      maxRecordAgeSeconds: 6 * 3_600,
      filter: ttlRemovalFilter(),
    },
    bundleBudgetKb: 870,
    copyFiles: [],
    reservedConcurrency: null,
  },
];

/** An EventBridge schedule expression: SST's Cron takes only the rate(…) and cron(…) forms. */
export const SWEEPER_SCHEDULE: `rate(${string})` | `cron(${string})` = 'rate(1 minute)';

/**
 * Throttling of the HTTP API's stage, over all callers together: beyond it API Gateway answers
 * 429 without invoking the api. The api's own per-key limit (STINT_DEPLOY_RATE_LIMIT_*) shares
 * what is left between callers; the api function's reserved concurrency bounds what is running.
 */
export const API_THROTTLING = {
  /** Steady requests per second. */
  rateLimit: 100,
  /** Requests API Gateway accepts at once above the steady rate. */
  burstLimit: 200,
} as const;

export function functionSpec(id: FunctionId): FunctionSpec {
  const spec = FUNCTIONS.find((f) => f.id === id);
  if (!spec) throw new Error(`no function "${id}" in the deployment spec`);
  return spec;
}

/** Which function reads a queue, so the queue's visibility timeout can be sized from its timeout. */
export function consumerOf(queue: QueueId): { fn: FunctionSpec; consumer: QueueConsumer } {
  for (const fn of FUNCTIONS) {
    const consumer = fn.consumes.find((c) => c.queue === queue);
    if (consumer) return { fn, consumer };
  }
  throw new Error(`no function consumes the "${queue}" queue`);
}

/**
 * Every queue gets the worker's visibility timeout, as the local stack does. SQS asks for at
 * least six times the consuming function's timeout; test/infra/spec.test.ts checks each queue.
 */
export const QUEUE_VISIBILITY_TIMEOUT_SECONDS: number = WORKER.visibilityTimeoutSeconds;

/** Stages whose data outlives a teardown: deletion protection on, stateful resources retained. */
export function isProductionStage(stage: string): boolean {
  return stage === 'prod' || stage === 'production';
}

/**
 * The SNS topic scheduled-run reports are published to; each recipient's address is an email
 * subscription filtered on the reports' recipients attribute (docs/deploy.md).
 */
export const REPORT_TOPIC = {
  displayName: 'Stint reports',
  /**
   * SNS's AWS-managed key: encrypted at rest with no key to run. Its key policy lets this
   * account's principals use it through SNS, so publishers need no kms grant; only AWS
   * services publishing (CloudWatch alarms) would need a customer-managed key, and none do.
   */
  kmsMasterKeyId: 'alias/aws/sns',
} as const;

/** The api's session secret, which each deployment generates in Secrets Manager. */
export const SESSION_SECRET = {
  description: 'Stint: signs monitor sessions and seals api cursors; read by the api function only',
  /** Characters of letters and digits: about 380 bits. */
  length: 64,
  /**
   * Why it has no rotation schedule: a new value ends every monitor session and every cursor in
   * flight, and nothing outside the api ever holds the value. Rotate by hand when it may have
   * leaked (docs/deploy.md).
   */
  rotation:
    'Rotating the session secret ends every monitor session and open cursor, and only the api function can read it; it is rotated by hand when it may have leaked (docs/deploy.md), not on a schedule.',
} as const;

/** Export files expire on their own; incomplete multipart uploads are aborted after this many days. */
export const EXPORT_LIFECYCLE = {
  expiryDays: BUCKET.exportExpiryDays,
  abortIncompleteMultipartDays: 1,
} as const;
