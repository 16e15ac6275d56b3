/**
 * The deployment spec's shapes, apart from its values (spec.ts), so the spec's parts
 * (environment, observability, permissions) can name them without importing spec.ts, which
 * re-exports those parts.
 */
import type { AUTH_ENV, SECRET_ENV } from '@stint/core/auth';
import type { ENV, QueueSpec } from '@stint/core/resource-spec';
import type { RATE_LIMIT_ENV } from '@stint/functions/api/api-options';

/**
 * The handlers' environment. Variable names come from the modules that read them (core's
 * ENV, AUTH_ENV and SECRET_ENV, the api's RATE_LIMIT_ENV); values from the deployment. An
 * optional setting left unset is passed as an empty string, which the handlers read as
 * "default". No value is a secret: the api's secrets are passed by ARN and read at run time.
 */
export type EnvName =
  | (typeof ENV)[keyof typeof ENV]
  | (typeof AUTH_ENV)[keyof typeof AUTH_ENV]
  | (typeof RATE_LIMIT_ENV)[keyof typeof RATE_LIMIT_ENV]
  | (typeof SECRET_ENV)[keyof typeof SECRET_ENV];

export type FunctionId = 'api' | 'worker' | 'intake' | 'sweeper' | 'expiry';
export type QueueId = QueueSpec['id'];

export interface QueueConsumer {
  queue: QueueId;
  batchSize: number;
  /** Cap on concurrent invocations this mapping starts; SQS's minimum is 2. */
  maxConcurrency: number;
}

/** A function fed by the table's stream, through a Lambda event source mapping. */
export interface StreamConsumer {
  batchSize: number;
  /** How long Lambda gathers records before it invokes with fewer than a batch. */
  maxBatchingWindowSeconds: number;
  /** Concurrent batches per stream shard; records of one partition key stay in order. */
  parallelizationFactor: number;
  /**
   * How long Lambda retries a failing record before it skips past it, sending the batch's
   * place in the stream to the failure queue (STREAM_FAILURES). Retries are bounded by age,
   * not count: a throttling storm of any length shorter than this is ridden out.
   */
  maxRecordAgeSeconds: number;
  /** Lambda event filter pattern: records it does not match never invoke the function. */
  filter: Record<string, unknown>;
}

export interface FunctionSpec {
  id: FunctionId;
  description: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Variables besides Powertools' that the handler reads; spec-environment.ts gives their values. */
  env: readonly EnvName[];
  consumes: readonly QueueConsumer[];
  tableStream: StreamConsumer | null;
  /**
   * Ceiling for the minified bundle in KiB; test/infra/bundle-size.test.ts enforces it. Set
   * about 10% above the measured size: about 500 KiB of every bundle is the AWS SDK
   * (DynamoDB, SQS, S3 and SNS clients), about 30 KiB croner (schedule times), and about
   * 440 KiB is zod, which `import { z } from 'zod'` keeps whole; `import * as z from 'zod'`
   * lets esbuild drop most of it.
   */
  bundleBudgetKb: number;
  /** Files copied next to the bundle (repository-relative `from`, bundle-relative `to`). */
  copyFiles: readonly CopyFile[];
  /**
   * Concurrent executions set aside for the function, which are also its ceiling; null takes
   * from the account's shared pool. The account keeps at least 100 unreserved, so a deployment
   * needs an account concurrency quota of at least this plus 100.
   */
  reservedConcurrency: number | null;
}

export interface CopyFile {
  from: string;
  to: string;
}
