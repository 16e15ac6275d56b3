import type { AttributeValue as StreamAttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Engine, ExpiryReport } from '@stint/core';
import { TABLE } from '@stint/core/resource-spec';

/**
 * The stream records of items DynamoDB's TTL removed: a REMOVE made by the DynamoDB service
 * itself (an app's own delete carries no such identity). The deployment's filter passes only
 * job items' removals, and the engine checks again, so a wider filter costs invocations, not
 * correctness.
 */
export function isTtlRemoval(record: DynamoDBRecord): boolean {
  const remover = record.userIdentity;
  return record.eventName === 'REMOVE' && remover?.type === TABLE.ttlRemover.type && remover.principalId === TABLE.ttlRemover.principalId;
}

/** The item as it was before TTL removed it, in the document client's plain shape. */
export function oldImageOf(record: DynamoDBRecord): Record<string, unknown> | undefined {
  const image = record.dynamodb?.OldImage;
  // The stream's and the SDK's attribute-value types describe the same wire shape.
  return image ? unmarshall(image as Record<string, StreamAttributeValue> as Record<string, AttributeValue>) : undefined;
}

/**
 * Expired jobs, from the table's stream (packages/core/src/engine/expiry.ts removes what TTL
 * left of them). Records are cleaned in stream order; the first that fails is reported with
 * its sequence number, so Lambda retries the batch from there rather than skipping ahead.
 */
export function createExpiryHandler(engine: Engine, onReport?: (report: ExpiryReport) => void) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const removals = event.Records.flatMap((record) => {
      const image = isTtlRemoval(record) ? oldImageOf(record) : undefined;
      return image ? [{ record, image }] : [];
    });
    const report = await engine.expired(removals.map((removal) => removal.image));
    onReport?.(report);
    const failed = report.failed ? removals[report.failed.index]?.record.dynamodb?.SequenceNumber : undefined;
    return { batchItemFailures: failed ? [{ itemIdentifier: failed }] : [] };
  };
}
