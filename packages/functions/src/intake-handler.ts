import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { badInput, type Engine, eventMessageSchema, type Job, submissionSchema } from '@stint/core';
import { tenantsOf, type IntakeBinding } from './intake-binding.ts';
import { backOff, type ChangeVisibility, showAgain } from './message-retry.ts';

export interface IntakeOptions {
  /** Tenant for messages that name none. */
  defaultTenant: string;
  /** Which tenants each producer may submit into (intake-binding.ts). */
  binding: IntakeBinding;
  /**
   * A message refused. It is received again until SQS moves it to the DLQ (maxReceiveCount),
   * and refused each time: `firstReceive` tells the first refusal from its repeats, so a count
   * of refused messages counts each once.
   */
  onRejected?: (rejection: IntakeRejection) => void;
  onAccepted?: (job: Job, created: boolean) => void;
  /** An outside event was stored and `woken` waiting jobs woken. */
  onEventSent?: (sent: { id: string; woken: number }) => void;
  /** Shows a message that failed for the infrastructure again after a backoff (`retryDelaySeconds`). */
  changeVisibility?: ChangeVisibility;
  /** For tests: the jitter of that backoff. */
  random?: () => number;
}

export interface IntakeRejection {
  messageId: string;
  reason: string;
  field?: string;
  firstReceive: boolean;
}

/** Refusals a retry cannot change: the message goes to the DLQ with its reason logged. */
const REJECTED_CODES = new Set(['badRequest', 'forbidden', 'notFound', 'conflict']);

/**
 * Submissions from other AWS services. A message that fails validation is logged with its
 * reason and reported as a batch failure, so SQS redrives it to the intake DLQ after
 * maxReceiveCount: a bad message is never silently deleted. It is shown again at once, so it
 * reaches the DLQ (and its alarm) within seconds rather than after three visibility timeouts:
 * another look cannot change a refusal. Whether its producer may start the type in the tenant
 * it names is core's rule (auth/job-access.ts); the producer is the message's SenderId, which
 * SQS sets from the sender's credentials. A message that failed for the infrastructure (a
 * throttled table) comes back after a backoff of seconds, as the worker's do, rather than
 * after the queue's visibility timeout.
 */
export function createIntakeHandler(engine: Engine, options: IntakeOptions) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    const retried: SQSRecord[] = [];
    const rejected: SQSRecord[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        const reject = (reason: string, field?: string) => {
          const firstReceive = record.attributes.ApproximateReceiveCount === '1';
          options.onRejected?.({ messageId: record.messageId, reason, ...(field ? { field } : {}), firstReceive });
          failures.push({ itemIdentifier: record.messageId });
          rejected.push(record);
        };
        let json: unknown;
        try {
          json = JSON.parse(record.body);
        } catch {
          return reject('body must be valid JSON; got text that does not parse', 'body');
        }
        const producer = record.attributes.SenderId;
        const sender = { kind: 'intake', producer, tenants: tenantsOf(options.binding, producer) } as const;
        // `{ "event": … }` is an outside event; anything else a job submission.
        const isEvent = typeof json === 'object' && json !== null && 'event' in json;
        const parsed = (isEvent ? eventMessageSchema : submissionSchema).safeParse(json);
        if (!parsed.success) {
          const refusal = badInput(parsed.error.issues, { kind: 'field', input: json });
          return reject(refusal.message, refusal.field);
        }
        try {
          // SQS delivers at least once, and a batch whose answer never reached Lambda comes
          // again whole: the message's id keys what it makes, unless the producer named a key.
          const once = deliveryKey(record.messageId);
          if ('event' in parsed.data) {
            const { tenant, ...event } = parsed.data.event;
            options.onEventSent?.(await engine.sendEvent({ id: once, ...event, tenant: tenant ?? options.defaultTenant, sender }));
            return;
          }
          const { tenant, ...submission } = parsed.data;
          const { job, created } = await engine.submit({
            idempotencyKey: once,
            ...submission,
            tenant: tenant ?? options.defaultTenant,
            submitter: sender,
          });
          options.onAccepted?.(job, created);
        } catch (error) {
          const e = error as { code?: string; message: string; field?: string };
          if (e.code !== undefined && REJECTED_CODES.has(e.code)) return reject(e.message, e.field);
          // Infrastructure errors (throttling, 5xx): retry the message.
          failures.push({ itemIdentifier: record.messageId });
          retried.push(record);
        }
      }),
    );
    if (options.changeVisibility) {
      await Promise.all([backOff(retried, options.changeVisibility, engine, options.random), showAgain(rejected, options.changeVisibility, engine, () => 0)]);
    }
    return { batchItemFailures: failures };
  };
}

/** The key a message's job or event is made once under: its SQS message id, the same on every delivery. */
function deliveryKey(messageId: string): string {
  return `sqs:${messageId}`;
}
