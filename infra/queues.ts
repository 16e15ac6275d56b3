import { pascal } from './naming.ts';
import { QUEUES, STREAM_FAILURES, type QueueId } from './spec.ts';
import { dlqArgs, queueArgs, retainedQueueArgs, tlsOnlyQueuePolicy } from './sst-args.ts';

function tlsOnly(name: string, queue: sst.aws.Queue) {
  new aws.sqs.QueuePolicy(`${name}TlsOnly`, {
    queueUrl: queue.url,
    policy: queue.arn.apply((arn) => JSON.stringify(tlsOnlyQueuePolicy(arn))),
  });
}

/** Each queue of the resource spec with its DLQ, as in the CDK construct. */
export const queues = {} as Record<QueueId, { queue: sst.aws.Queue; dlq: sst.aws.Queue }>;
for (const spec of QUEUES) {
  const name = pascal(spec.id);
  const dlq = new sst.aws.Queue(`${name}Dlq`, dlqArgs(spec));
  const queue = new sst.aws.Queue(`${name}Queue`, queueArgs(spec, dlq.arn));
  tlsOnly(`${name}Dlq`, dlq);
  tlsOnly(`${name}Queue`, queue);
  queues[spec.id] = { queue, dlq };
}

/** Where Lambda sends the place of a stream batch the expiry function gave up on, as in the CDK construct. */
export const streamFailures = new sst.aws.Queue('ExpiryFailures', retainedQueueArgs(STREAM_FAILURES.retentionDays));
tlsOnly('ExpiryFailures', streamFailures);
