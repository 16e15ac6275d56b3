import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CounterBatch } from '../counter-store.ts';
import { BadRequestError, ConflictError, isConditionalCheckFailed, NotFoundError } from '../errors.ts';
import { isEnded, type RunBy } from '../job.ts';
import { laneOf, type JobRecord } from '../job-record.ts';
import { newJobId, newJobRecord } from '../new-job.ts';
import { MAX_DATA_BYTES } from '../submission.ts';
import { idempotencyKey } from '../table-keys.ts';
import { emit, type EngineDeps } from './deps.ts';
import { inFlightSpec, type Dispatcher } from './dispatcher.ts';

export interface SubmitInput {
  type: string;
  tenant: string;
  label?: string | undefined;
  data?: Record<string, unknown> | undefined;
  runBy?: RunBy | null | undefined;
  lowPriority?: boolean | undefined;
  parentId?: string | undefined;
  idempotencyKey?: string | undefined;
  /** Links a root job to the schedule it is a run of. */
  scheduleId?: string | undefined;
}

export interface SubmitResult {
  record: JobRecord;
  /** False when an earlier submission with the same idempotency key made the job. */
  created: boolean;
}

/**
 * Accepts a job. Once this returns, the job is durable: a new root job is written already
 * in flight and its message sent at once (it is its root's first slice, so the fairness
 * bound cannot be exceeded); if that send fails, the sweeper sends it. Children and
 * low-priority roots go to their root's ready set for the fair dispatcher.
 */
export async function submit(deps: EngineDeps, dispatcher: Dispatcher, counters: CounterBatch, input: SubmitInput): Promise<SubmitResult> {
  const definition = deps.registry.get(input.type);
  if (!definition) {
    throw new BadRequestError(`unknown job type ${input.type}; known types: ${deps.registry.types().join(', ')}`, 'type');
  }
  const data = input.data ?? {};
  if (Buffer.byteLength(JSON.stringify(data)) > MAX_DATA_BYTES) {
    throw new BadRequestError(`data is larger than ${MAX_DATA_BYTES / 1024} KB; store large inputs in S3 and pass their key`, 'data');
  }
  const now = deps.clock();
  let parent: JobRecord | undefined;
  if (input.parentId) {
    parent = await deps.jobs.get(input.parentId);
    if (!parent || parent.tenant !== input.tenant) throw new NotFoundError(`parent job ${input.parentId} not found`);
    if (isEnded(parent.status)) throw new ConflictError(`parent job ${input.parentId} is ${parent.status}`, { jobId: parent.id });
  }

  let id = newJobId(now);
  if (input.idempotencyKey) {
    const claimed = await claimIdempotencyKey(deps, input.tenant, input.idempotencyKey, id);
    if (claimed !== id) {
      const existing = await deps.jobs.get(claimed);
      if (existing) return { record: existing, created: false };
      // The earlier submission stopped between claiming the key and writing its job: finish it.
      id = claimed;
    }
  }

  await deps.tenants.remember(input.tenant);
  const fastPath = !parent && !input.lowPriority;
  const base = newJobRecord(
    {
      id,
      type: input.type,
      label: input.label ?? definition.label?.(data as never) ?? input.type,
      tenant: input.tenant,
      system: definition.system,
      data,
      runBy: input.runBy ?? null,
      lowPriority: input.lowPriority ?? false,
      parentId: parent?.id ?? null,
      rootId: parent?.rootId ?? id,
      createDate: now,
      ...(input.scheduleId && !parent ? { scheduleId: input.scheduleId } : {}),
    },
    fastPath ? {} : { readyAt: now },
  );
  const record: JobRecord = fastPath ? { ...base, ...(inFlightSpec(base, now).set as Partial<JobRecord>) } : base;
  if (!(await deps.jobs.create(record))) {
    const existing = await deps.jobs.get(id);
    if (existing) return { record: existing, created: false };
  }
  counters.jobCreated(record.tenant, now);
  emit(deps, { type: 'jobCreated', jobId: id, rootId: record.rootId, tenant: record.tenant, jobType: record.type });

  if (parent) {
    await deps.jobs.tryUpdate(parent.id, { add: { childrenTotal: 1, adopted: 1 }, condition: 'attribute_exists(#pk)' });
  }
  if (fastPath) {
    await dispatcher.send(record);
  } else {
    await dispatcher.touchLane(record.rootId, laneOf(record));
    await dispatcher.pump();
  }
  return { record, created: true };
}

/** Claims the key for `id`; returns the id that owns the key (ours, or an earlier submission's). */
async function claimIdempotencyKey(deps: EngineDeps, tenant: string, key: string, id: string): Promise<string> {
  const item = { ...idempotencyKey(tenant, key), jobId: id, expiresAt: Math.floor(deps.clock() / 1000) + 7 * 86_400 };
  try {
    await deps.jobs.client.send(new PutCommand({ TableName: deps.jobs.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    return id;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    const out = await deps.jobs.client.send(
      new GetCommand({ TableName: deps.jobs.tableName, Key: idempotencyKey(tenant, key), ConsistentRead: true }),
    );
    return out.Item?.jobId as string;
  }
}
