import type { DynamoDBRecord } from 'aws-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { engineInternals } from '@stint/core/testing';
import { createExpiryHandler, isTtlRemoval, oldImageOf } from '@stint/functions/expiry-handler';
import { attachTestStack, createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { partitionsOf, throttleDynamo } from '../support/throttle.ts';

/**
 * The expiry function's translation of the table's stream: which records are TTL's removals
 * of jobs, and which sequence number Lambda retries from when one cannot be cleaned. What the
 * engine does with a removed job is test/engine/expiry.test.ts's.
 */

const TTL = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };

function streamRecord(sequence: string, eventName: DynamoDBRecord['eventName'], image: Record<string, unknown>, userIdentity?: typeof TTL): DynamoDBRecord {
  return {
    eventID: `event-${sequence}`,
    eventName,
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    ...(userIdentity ? { userIdentity } : {}),
    dynamodb: {
      Keys: marshall({ pk: image.pk, sk: image.sk }) as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
      OldImage: marshall(image, { removeUndefinedValues: true }) as NonNullable<DynamoDBRecord['dynamodb']>['OldImage'],
      SequenceNumber: sequence,
      SizeBytes: 100,
      StreamViewType: 'OLD_IMAGE',
    },
  };
}

describe('telling TTL’s removals from other stream records', () => {
  const image = { pk: 'J#a', sk: 'J', status: 'FINISHED', tags: ['x'], progress: 100 };

  it('takes a REMOVE made by the DynamoDB service, and nothing else', () => {
    expect(isTtlRemoval(streamRecord('1', 'REMOVE', image, TTL))).toBe(true);
    // A delete through the api or the engine carries no identity.
    expect(isTtlRemoval(streamRecord('2', 'REMOVE', image))).toBe(false);
    expect(isTtlRemoval(streamRecord('3', 'MODIFY', image, TTL))).toBe(false);
    expect(isTtlRemoval(streamRecord('4', 'REMOVE', image, { type: 'Service', principalId: 'lambda.amazonaws.com' }))).toBe(false);
  });

  it('reads the old image back as the document client would', () => {
    expect(oldImageOf(streamRecord('1', 'REMOVE', image, TTL))).toEqual(image);
  });
});

const QUICK = defineJob({
  type: 'QUICK',
  async run(ctx) {
    await ctx.step('only', () => ctx.log.info('ran'));
  },
});

describe('the expiry handler', () => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators();
    stack = await createTestStack(emulators, { definitions: [QUICK] });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const jobs = () => engineInternals(stack.engine).deps.jobs;
  const partition = async (id: string) => (await jobs().queryPartition(`J#${id}`, '')).items.map((item) => item.sk as string);

  /** A finished job's item, removed as TTL removes it; answers its old image. */
  async function expiredJob(tenant: string): Promise<Record<string, unknown>> {
    const { job } = await stack.engine.submit({ type: 'QUICK', tenant });
    await stack.runUntil(async () => (await jobs().get(job.id))?.status === 'FINISHED');
    const item = (await jobs().get(job.id)) as unknown as Record<string, unknown>;
    await jobs().delete({ pk: `J#${job.id}`, sk: 'J' });
    return item;
  }

  it('cleans what TTL left of a job, and passes over records that are not TTL’s removals', async () => {
    const [expired, deletedByHand] = [await expiredJob('expiry-handler'), await expiredJob('expiry-handler')];
    const reports: unknown[] = [];
    const handle = createExpiryHandler(stack.engine, (report) => reports.push(report));

    const answer = await handle({
      Records: [streamRecord('100', 'INSERT', expired), streamRecord('101', 'REMOVE', deletedByHand), streamRecord('102', 'REMOVE', expired, TTL)],
    });

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(reports).toEqual([{ cleaned: 1, ignored: 0 }]);
    expect(await partition(expired.id as string)).toEqual([]);
    // A record without TTL's identity is never handed to the engine: the other job's lines stay.
    expect(await partition(deletedByHand.id as string)).toEqual([expect.stringMatching(/^L#/)]);
  });

  it('answers the sequence number of the first job it could not clean, so Lambda retries from there', async () => {
    const images = [await expiredJob('expiry-retried'), await expiredJob('expiry-retried'), await expiredJob('expiry-retried')];
    const stuck = images[1]!.id as string;
    const throttle = throttleDynamo(emulators, (command, input) => command === 'BatchWriteCommand' && partitionsOf(input).includes(`J#${stuck}`));
    const faulty = attachTestStack(throttle.clients, stack.provisioned, stack.config, { definitions: [QUICK] });
    const handle = createExpiryHandler(faulty.engine);
    // A record that is not a removal between them must not shift which record is reported.
    const records = [
      streamRecord('200', 'REMOVE', images[0]!, TTL),
      streamRecord('201', 'MODIFY', images[0]!),
      streamRecord('202', 'REMOVE', images[1]!, TTL),
      streamRecord('203', 'REMOVE', images[2]!, TTL),
    ];

    expect(await handle({ Records: records })).toEqual({ batchItemFailures: [{ itemIdentifier: '202' }] });
    expect(await partition(images[0]!.id as string)).toEqual([]);
    expect((await partition(images[2]!.id as string)).length).toBeGreaterThan(0);

    throttle.cool();
    expect(await handle({ Records: records.slice(2) })).toEqual({ batchItemFailures: [] });
    for (const image of images) expect(await partition(image.id as string)).toEqual([]);
  });
});
