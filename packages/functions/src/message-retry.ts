import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Engine } from '@stint/core';

/** Sets a message's visibility, `seconds` from now; a handler knows the queue only by the record's ARN. */
export type ChangeVisibility = (eventSourceArn: string, receiptHandle: string, seconds: number) => Promise<void>;

/** A failed message's first retry comes after this long, doubling per receive: its 5 receives span 2 to 3 minutes before the DLQ. */
const RETRY_BASE_SECONDS = 10;
const RETRY_MAX_SECONDS = 300;

/**
 * When a failed message is shown again: 10 s after its first receive, doubling to 5 minutes,
 * each drawn between half and all of that ("equal jitter"), so messages that failed together
 * (a throttled key) do not all come back in the same second. Without it a failed message waits
 * out its queue's visibility timeout, which is sized for the longest slice (12 minutes).
 */
export function retryDelaySeconds(receiveCount: number, random: () => number = Math.random): number {
  const retries = Number.isFinite(receiveCount) ? Math.max(0, receiveCount - 1) : 0;
  const ceiling = Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** retries);
  return Math.ceil(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Shows each failed record again after its backoff. A backoff that cannot be set only costs
 * time (the message waits out the visibility timeout), so it is reported, not thrown: the
 * batch's answer must still reach Lambda.
 */
export function backOff(
  records: readonly SQSRecord[],
  changeVisibility: ChangeVisibility,
  engine: Pick<Engine, 'warn'>,
  random: () => number = Math.random,
): Promise<void> {
  return showAgain(records, changeVisibility, engine, (record) => retryDelaySeconds(Number(record.attributes.ApproximateReceiveCount), random));
}

/** Shows each record again `after(record)` seconds from now (0: at once), reporting what could not be set. */
export async function showAgain(
  records: readonly SQSRecord[],
  changeVisibility: ChangeVisibility,
  engine: Pick<Engine, 'warn'>,
  after: (record: SQSRecord) => number,
): Promise<void> {
  await Promise.all(
    records.map((record) =>
      changeVisibility(record.eventSourceARN, record.receiptHandle, after(record)).catch((error: unknown) =>
        engine.warn('a failed message waits out the visibility timeout: its visibility could not be set', { error }),
      ),
    ),
  );
}

/**
 * Changes a message's visibility on the queue it came from. An event names its queue by ARN
 * and the worker knows its queues by URL (its configuration); both end with the queue's name.
 */
export function changeVisibilityOn(sqs: SQSClient, queueUrls: readonly string[]): ChangeVisibility {
  const urlByName = new Map(queueUrls.map((url) => [url.slice(url.lastIndexOf('/') + 1), url]));
  return async (eventSourceArn, receiptHandle, seconds) => {
    const queueUrl = urlByName.get(eventSourceArn.slice(eventSourceArn.lastIndexOf(':') + 1));
    if (queueUrl === undefined) throw new Error(`${eventSourceArn} is not a queue this worker consumes`);
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: Math.ceil(seconds) }));
  };
}

/**
 * The same, for a function told no queue URL (the intake): each queue's URL is asked of SQS by
 * the name and account its ARN holds, once per queue and cold start.
 */
export function changeVisibilityByArn(sqs: SQSClient): ChangeVisibility {
  const urls = new Map<string, Promise<string>>();
  const urlOf = (arn: string) => {
    let url = urls.get(arn);
    if (url === undefined) {
      const [, , , , account, name] = arn.split(':');
      url = sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })).then((out) => out.QueueUrl!);
      // A failed lookup is asked again next time rather than remembered.
      url.catch(() => urls.delete(arn));
      urls.set(arn, url);
    }
    return url;
  };
  return async (eventSourceArn, receiptHandle, seconds) => {
    const queueUrl = await urlOf(eventSourceArn);
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: Math.ceil(seconds) }));
  };
}
