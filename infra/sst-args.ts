/**
 * The spec in the terms of SST v3 components. Pure functions, so they are type-checked and
 * unit-tested here although SST itself cannot run offline; infra/*.ts only passes their
 * results to `sst.aws.*`. T is whatever the caller uses for ARNs and names (Pulumi outputs
 * in a deployment, strings in tests).
 */
import {
  API_THROTTLING,
  BUNDLING,
  EXPORT_LIFECYCLE,
  functionEnvironment,
  functionPermissions,
  QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  REPORT_TOPIC,
  RUNTIME,
  SESSION_SECRET,
  SWEEPER_SCHEDULE,
  TABLE,
  TABLE_STREAM,
  type DeploymentSettings,
  type FunctionSpec,
  type QueueConsumer,
  type StreamConsumer,
  type ResourceName,
  type ResourceRefs,
} from './spec.ts';
import type { QueueSpec } from '@stint/core/resource-spec';

/** Log retention of every function and of the API's access logs, as in the CDK construct (one month). */
export const LOG_RETENTION = '1 month' as const;

/** SST's names of DynamoDB's stream view types. */
const SST_STREAM_VIEW = { OLD_IMAGE: 'old-image' } as const;

export function tableArgs(production: boolean) {
  const keys = [TABLE.partitionKey, TABLE.sortKey, ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  return {
    fields: Object.fromEntries(keys.map((k) => [k, 'string' as const])),
    primaryIndex: { hashKey: TABLE.partitionKey, rangeKey: TABLE.sortKey },
    globalIndexes: Object.fromEntries(
      TABLE.indexes.map((i) => [
        i.name,
        { hashKey: i.partitionKey, rangeKey: i.sortKey, projection: i.projected.length === 0 ? ('keys-only' as const) : [...i.projected] },
      ]),
    ),
    ttl: TABLE.ttlAttribute,
    stream: SST_STREAM_VIEW[TABLE_STREAM.viewType],
    deletionProtection: production,
    transform: {
      // SST already sets on-demand billing and point-in-time recovery; stated here so both front doors read alike.
      table: {
        billingMode: 'PAY_PER_REQUEST',
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
      },
    },
  };
}

export function dlqArgs(spec: QueueSpec) {
  return retainedQueueArgs(spec.dlqRetentionDays);
}

/** A queue of failures, kept for days: the DLQs and the expiry function's stream failures. */
export function retainedQueueArgs(retentionDays: number) {
  return {
    transform: {
      queue: { messageRetentionSeconds: retentionDays * 86_400, sqsManagedSseEnabled: true },
    },
  };
}

export function queueArgs<T>(spec: QueueSpec, dlqArn: T) {
  return {
    visibilityTimeout: `${QUEUE_VISIBILITY_TIMEOUT_SECONDS} seconds` as const,
    dlq: { queue: dlqArn, retry: spec.maxReceiveCount },
    transform: { queue: { sqsManagedSseEnabled: true } },
  };
}

/** SST has no TLS switch for queues; this policy is what CDK's `enforceSSL` writes. */
export function tlsOnlyQueuePolicy(queueArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Resource: queueArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

/** `sst.aws.SnsTopic` args of the report topic; its TLS policy is tlsOnlyTopicPolicy. */
export function reportTopicArgs() {
  return {
    transform: { topic: { displayName: REPORT_TOPIC.displayName, kmsMasterKeyId: REPORT_TOPIC.kmsMasterKeyId } },
  };
}

/** What CDK's `enforceSSL` writes on a topic; SST has no TLS switch for topics either. */
export function tlsOnlyTopicPolicy(topicArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowPublishThroughSSLOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: topicArn,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

/**
 * SST blocks public access by default and S3 encrypts new objects with S3-managed keys by
 * default; the lifecycle transform adds what SST's `lifecycle` cannot say.
 */
export function bucketArgs() {
  return {
    enforceHttps: true,
    cors: false as const,
    lifecycle: [{ id: 'expire-exports', expiresIn: `${EXPORT_LIFECYCLE.expiryDays} days` as const }],
    transform: {
      // SST passes the BucketLifecycleConfiguration args it built from `lifecycle`, whose `rules`
      // (typed Input<…> | undefined) is then a plain array. Anything else would mean SST changed
      // how it builds them: fail the deploy rather than drop the abort rule without a word.
      lifecycle: (args: { rules?: unknown }): undefined => {
        if (!Array.isArray(args.rules)) throw new Error('sst.aws.Bucket passed its lifecycle transform no rules array');
        args.rules = args.rules.map((rule: object) => ({
          ...rule,
          abortIncompleteMultipartUpload: { daysAfterInitiation: EXPORT_LIFECYCLE.abortIncompleteMultipartDays },
        }));
      },
    },
  };
}

/** `sst.aws.Function` args. Permissions are explicit: SST's `link` would grant `sqs:*` and `dynamodb:*`. */
export function functionArgs<T>(fn: FunctionSpec, refs: ResourceRefs<T>, settings: DeploymentSettings, arns: (name: ResourceName) => T[]) {
  return {
    handler: fn.entry.replace(/\.ts$/, '.handler'),
    description: fn.description,
    runtime: RUNTIME.lambda,
    architecture: RUNTIME.architecture,
    memory: `${fn.memoryMb} MB` as const,
    timeout: `${fn.timeoutSeconds} seconds` as const,
    environment: functionEnvironment(fn, refs, settings),
    permissions: functionPermissions(fn, settings).map(({ actions, resources, condition }) => ({
      actions: [...actions],
      resources: resources.flatMap(arns),
      ...(condition ? { conditions: [{ test: condition.test, variable: condition.variable, values: [...condition.values] }] } : {}),
    })),
    logging: { retention: LOG_RETENTION },
    ...(fn.reservedConcurrency === null ? {} : { concurrency: { reserved: fn.reservedConcurrency } }),
    copyFiles: fn.copyFiles.map(({ from, to }) => ({ from, to })),
    nodejs: {
      format: BUNDLING.format,
      minify: BUNDLING.minify,
      sourcemap: BUNDLING.sourceMap,
      banner: BUNDLING.banner,
      // SST bundles every dependency, the AWS SDK included, unless listed in `install`.
      esbuild: { target: BUNDLING.target, platform: BUNDLING.platform, mainFields: [...BUNDLING.mainFields] },
    },
  };
}

/** `queue.subscribe(fn.arn, …)` args for one event source mapping. */
export function subscriberArgs(consumer: QueueConsumer) {
  return {
    batch: { size: consumer.batchSize, partialResponses: true },
    transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: consumer.maxConcurrency } } },
  };
}

/** `Dynamo.subscribe` args of a function fed by the table's stream, as the CDK construct maps it. */
export function streamSubscriberArgs<T>(stream: StreamConsumer, failureQueueArn: T) {
  return {
    filters: [stream.filter],
    transform: {
      eventSourceMapping: {
        // SST starts at LATEST; from the oldest record kept, a deployment catches up on removals made before its mapping existed.
        startingPosition: 'TRIM_HORIZON',
        batchSize: stream.batchSize,
        maximumBatchingWindowInSeconds: stream.maxBatchingWindowSeconds,
        parallelizationFactor: stream.parallelizationFactor,
        // Retried until this age, then skipped, its place sent to the failure queue.
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: stream.maxRecordAgeSeconds,
        destinationConfig: { onFailure: { destinationArn: failureQueueArn } },
        functionResponseTypes: ['ReportBatchItemFailures'],
      },
    },
  };
}

export function sweeperCronArgs<T>(sweeperArn: T) {
  return { schedule: SWEEPER_SCHEDULE, function: sweeperArn };
}

export function httpApiArgs() {
  return {
    accessLog: { retention: LOG_RETENTION },
    cors: false as const,
    transform: {
      stage: { defaultRouteSettings: { throttlingRateLimit: API_THROTTLING.rateLimit, throttlingBurstLimit: API_THROTTLING.burstLimit } },
    },
  };
}

/** `aws.secretsmanager.Secret` args of the api's session secret; its value is sessionSecretValueArgs'. */
export function sessionSecretArgs() {
  return { description: SESSION_SECRET.description };
}

/**
 * Secrets Manager generates the value (GetRandomPassword) at each deploy; the secret's version
 * ignores later values (`ignoreChanges`), so the first one stays and sessions survive deploys.
 */
export function sessionSecretValueArgs() {
  return { passwordLength: SESSION_SECRET.length, excludePunctuation: true, includeSpace: false };
}

/** The api function does its own routing, so the HTTP API has one catch-all route. */
export const API_ROUTE = '$default';

export function jwtAuthorizerArgs(jwt: { issuer: string; audience: string[] }) {
  return { name: 'jwt', jwt: { issuer: jwt.issuer, audiences: jwt.audience } };
}
