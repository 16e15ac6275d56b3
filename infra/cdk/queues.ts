import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { pascal } from '../naming.ts';
import { QUEUE_VISIBILITY_TIMEOUT_SECONDS, QUEUES, STREAM_FAILURES, type QueueId } from '../spec.ts';

export interface QueuePair {
  queue: sqs.Queue;
  dlq: sqs.Queue;
}

export type StintQueues = Record<QueueId, QueuePair>;

/**
 * Each queue of the resource spec with its DLQ; SQS-managed encryption and TLS-only access on
 * both. In production the DLQs outlive a teardown: what they hold is the evidence of failures.
 */
export function createQueues(scope: Construct, options: { production: boolean }): StintQueues {
  const dlqRemoval = options.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  const queues = {} as StintQueues;
  for (const spec of QUEUES) {
    const name = pascal(spec.id);
    const dlq = new sqs.Queue(scope, `${name}Dlq`, {
      retentionPeriod: Duration.days(spec.dlqRetentionDays),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: dlqRemoval,
    });
    const queue = new sqs.Queue(scope, `${name}Queue`, {
      visibilityTimeout: Duration.seconds(QUEUE_VISIBILITY_TIMEOUT_SECONDS),
      deadLetterQueue: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    queues[spec.id] = { queue, dlq };
  }
  return queues;
}

/** Where Lambda sends the place of a stream batch the expiry function gave up on; kept like the DLQs. */
export function createStreamFailureQueue(scope: Construct, options: { production: boolean }): sqs.Queue {
  const queue = new sqs.Queue(scope, 'ExpiryFailures', {
    retentionPeriod: Duration.days(STREAM_FAILURES.retentionDays),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    removalPolicy: options.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      "It is a dead-letter destination itself: the expiry function's stream mapping sends it the batches it gave up on, and nothing consumes it but an operator.",
  });
  return queue;
}
