import { admitSubmission, externalTypes } from '../auth/job-access.ts';
import { crashPoint } from '../crash-points.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.ts';
import { isEnded } from '../job.ts';
import { laneOf, type JobRecord } from '../job-record.ts';
import { newJobId, newJobRecord, type NewJob } from '../new-job.ts';
import { dataRefusal, runAtOf } from '../submission.ts';
import { adoptingPartition, delayedPartition, delayedSortKey, idempotencyKey } from '../store/table-keys.ts';
import { finishAdoption } from './adoption.ts';
import { concurrencyKeyOf } from './concurrency-gate.ts';
import type { EngineContext } from './context.ts';
import { emit } from './deps.ts';
import { inFlightSpec } from './dispatch-specs.ts';
import { nudge } from './recovery.ts';
import type { SubmitInput } from './submit-input.ts';

export type { SubmitInput };

export interface SubmitResult {
  record: JobRecord;
  /** False when an earlier submission with the same idempotency key made the job. */
  created: boolean;
}

/**
 * Accepts a job. Once this returns, the job is durable and reachable by dispatch:
 * - a new root job is written already in flight and its message sent at once (it is its
 *   root's first slice, so the fairness bound cannot be exceeded); if the send fails or the
 *   process dies before it, the sweeper sends it; a root of a type with a concurrency limit
 *   only when it takes a slot of its key (concurrency-gate.ts), else it waits as below;
 * - a low-priority root goes to its ready set, its lane touched first (dispatcher.ts);
 * - a child submitted with `parentId` is adopted (adoption.ts): counted on its parent
 *   before it can run.
 * A re-submission with the same idempotency key returns the same job, and sets it moving if
 * it is not (its first submission may have died before dispatching it).
 */
export async function submit(ctx: EngineContext, input: SubmitInput): Promise<SubmitResult> {
  const { deps, dispatcher } = ctx;
  const definition = deps.registry.get(input.type);
  if (!definition) {
    const known = externalTypes(deps.registry).map((known) => known.type);
    throw new BadRequestError(`type must be a job type this deployment runs (${known.join(', ')}); got ${JSON.stringify(input.type)}`, 'type');
  }
  const { runBy, submittedBy } = admitSubmission(definition, input);
  const data = input.data ?? {};
  const refusal = dataRefusal(data);
  if (refusal) throw new BadRequestError(`data ${refusal.message}; got ${refusal.got}`, 'data');
  const concurrency = concurrencyKeyOf(definition, data);
  if ('refusal' in concurrency) throw new BadRequestError(`data ${concurrency.refusal}`, 'data');
  const now = deps.clock();
  const runAt = startLater(input, now);
  let parent: JobRecord | undefined;
  if (input.parentId) {
    parent = await deps.jobs.get(input.parentId);
    if (!parent || parent.tenant !== input.tenant) throw new NotFoundError(`parent job ${input.parentId} not found`);
    if (isEnded(parent.status)) throw new ConflictError(`parent job ${input.parentId} is ${parent.status}`, { jobId: parent.id });
  }

  let id = newJobId(now);
  if (input.idempotencyKey) {
    const claimed = await claimIdempotencyKey(ctx, input.tenant, input.idempotencyKey, id);
    await crashPoint('submit.keyClaimed', { jobId: claimed, jobType: input.type });
    if (claimed !== id) {
      const existing = await deps.jobs.get(claimed);
      if (existing) return { record: await nudge(ctx, existing), created: false };
      // The earlier submission stopped between claiming the key and writing its job: finish it.
      id = claimed;
    }
  }

  await deps.tenants.remember(input.tenant);
  const loneRoot = !parent && !input.lowPriority && runAt === undefined;
  // A lone root of a limited type takes its key's slot here and is written in flight as any
  // lone root; when its key is full it goes through its ready set, where it waits its turn.
  const slot =
    loneRoot && concurrency.key !== undefined
      ? await dispatcher.gate.takeForSubmit({ id, tenant: input.tenant, type: input.type }, concurrency.key, now)
      : null;
  const fastPath = loneRoot && (concurrency.key === undefined || slot !== null);
  const job: NewJob = {
    id,
    type: input.type,
    label: input.label ?? definition.label?.(data as never) ?? input.type,
    tenant: input.tenant,
    system: definition.system,
    data,
    runBy,
    ...(submittedBy ? { submittedBy } : {}),
    lowPriority: input.lowPriority ?? parent?.lowPriority ?? false,
    parentId: parent?.id ?? null,
    rootId: parent?.rootId ?? id,
    createDate: now,
    ...(parent ? { spawn: { parentRun: parent.run } } : {}),
    ...(input.scheduleId && !parent ? { scheduleId: input.scheduleId } : {}),
    ...(concurrency.key !== undefined ? { concurrencyKey: concurrency.key } : {}),
  };
  let record: JobRecord;
  if (parent) {
    record = { ...newJobRecord(job), ...(runAt !== undefined ? { runAt } : {}), adopting: true, gsi5pk: adoptingPartition(id), gsi5sk: id };
  } else if (runAt !== undefined) {
    // Held by no set the dispatcher reads: the sweeper makes it ready when it is due.
    record = { ...newJobRecord(job), runAt, gsi5pk: delayedPartition(id), gsi5sk: delayedSortKey(runAt, id) };
  } else if (fastPath) {
    const fresh = newJobRecord(job);
    record = { ...fresh, ...(inFlightSpec(fresh, now).set as Partial<JobRecord>), ...(slot ? { concurrencySlot: slot } : {}) };
  } else {
    await dispatcher.touchLane(job, laneOf(job));
    await crashPoint('submit.laneTouched', { jobId: id, jobType: input.type });
    record = newJobRecord(job, { readyAt: now });
  }
  if (!(await deps.jobs.create(record))) {
    if (slot) await dispatcher.gate.giveBack(record, concurrency.key!, slot);
    const existing = await deps.jobs.get(id);
    if (existing) return { record: await nudge(ctx, existing), created: false };
  }
  await crashPoint('submit.created', { jobId: id, jobType: input.type });

  if (parent) record = await finishAdoption(ctx, record);
  else if (fastPath) await dispatcher.send(record);
  else if (runAt === undefined) await dispatcher.pumpRoot(record.rootId, laneOf(record));
  ctx.counters.jobCreated(record, now);
  emit(deps, { type: 'jobCreated', jobId: id, rootId: record.rootId, tenant: record.tenant, jobType: record.type });
  return { record, created: true };
}

/** The later start a submission asks for, or undefined to start now (none asked, or already past). */
function startLater(input: SubmitInput, now: number): number | undefined {
  if (input.runAt === undefined) return undefined;
  const parsed = runAtOf(input.runAt);
  if ('refusal' in parsed) throw new BadRequestError(`runAt ${parsed.refusal}`, 'runAt');
  return parsed.at > now ? parsed.at : undefined;
}

/** Claims the key for `id`; returns the id that owns the key (ours, or an earlier submission's). */
async function claimIdempotencyKey(ctx: EngineContext, tenant: string, key: string, id: string): Promise<string> {
  const { deps } = ctx;
  const item = { ...idempotencyKey(tenant, key), jobId: id, expiresAt: Math.floor(deps.clock() / 1000) + 7 * 86_400 };
  if (await deps.jobs.putIfAbsent(item)) return id;
  return (await deps.jobs.getItem(idempotencyKey(tenant, key)))?.jobId as string;
}
