import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { submissionSchema, type Engine, type Job } from '@stint/core';
import { badInput } from '@stint/core/input-error';

export interface IntakeOptions {
  /** Tenant for messages that name none. */
  defaultTenant: string;
  onRejected?: (reason: { messageId: string; reason: string; field?: string }) => void;
  onAccepted?: (job: Job, created: boolean) => void;
}

/**
 * Submissions from other AWS services. A message that fails validation is logged with its
 * reason and reported as a batch failure, so SQS redrives it to the intake DLQ after
 * maxReceiveCount: a bad message is never silently deleted.
 */
export function createIntakeHandler(engine: Engine, options: IntakeOptions) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        const reject = (reason: string, field?: string) => {
          options.onRejected?.({ messageId: record.messageId, reason, ...(field ? { field } : {}) });
          failures.push({ itemIdentifier: record.messageId });
        };
        let json: unknown;
        try {
          json = JSON.parse(record.body);
        } catch {
          return reject('body is not JSON');
        }
        const parsed = submissionSchema.safeParse(json);
        if (!parsed.success) {
          const refusal = badInput(parsed.error.issues, { kind: 'field', input: json });
          return reject(refusal.message, refusal.field);
        }
        const { tenant, ...submission } = parsed.data;
        if (engine.deps.registry.get(submission.type)?.system) {
          return reject(`${submission.type} is a system job type; other services cannot submit it`, 'type');
        }
        try {
          const { job, created } = await engine.submit({ ...submission, tenant: tenant ?? options.defaultTenant });
          options.onAccepted?.(job, created);
        } catch (error) {
          const e = error as { code?: string; message: string; field?: string };
          if (e.code === 'badRequest' || e.code === 'notFound' || e.code === 'conflict') return reject(e.message, e.field);
          // Infrastructure errors (throttling, 5xx): retry the message.
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  };
}
