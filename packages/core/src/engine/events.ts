import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { assertMaySendEvent, type Submitter } from '../auth/job-access.ts';
import { BadRequestError } from '../errors.ts';
import type { Checkpoint } from '../store/checkpoint-store.ts';
import { dataRefusal } from '../submission.ts';
import { eventKey, eventPartition, eventWaiterKey, eventWaiterPartition } from '../store/table-keys.ts';
import type { EngineContext } from './context.ts';
import { startDelayed } from './delayed-start.ts';

/**
 * Outside events (`ctx.waitForEvent`, `POST /api/events`): an event is one item in the
 * partition of its tenant, name and key, kept EVENT_RETENTION_MS; a job waiting for one
 * writes a waiter item there and parks in the delayed set until its timeout (job-run.ts).
 *
 * Sending writes the event, then wakes the waiters it finds (delayed → ready, conditional);
 * the woken job's replay looks the event up and stores it as the wait's checkpoint, so one
 * wait takes one event however often it is delivered. A wait looks events up itself, first
 * and again after writing its waiter, so an event sent before the wait began (within the
 * retention), or while it was registering, is found. A crash between the sender's two writes
 * leaves the waiter asleep until its timeout, when its replay finds the event all the same:
 * late, never lost.
 */
export const EVENT_RETENTION_MS = 24 * 3_600_000;
/** An event's name and a sender's event id. */
export const EVENT_NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const MAX_EVENT_KEY = 512;

/** An event item as stored. */
interface StoredEvent {
  id: string;
  name: string;
  key: string;
  /** The data as JSON. */
  data: string;
  sentAt: number;
  /** Its place among the events this process sent in the same millisecond (absent: 0). */
  seq?: number;
}

let lastSent = { at: Number.NaN, seq: 0 };

/**
 * Events sent in one millisecond by one process are taken in the order they were sent; the
 * id alone (time and random bytes, or the sender's own) would order them at random. Events
 * from different processes in one millisecond have no order to keep.
 */
function sendOrder(now: number): number {
  lastSent = { at: now, seq: now === lastSent.at ? lastSent.seq + 1 : 0 };
  return lastSent.seq;
}

export interface SendEventInput {
  tenant: string;
  name: string;
  key: string;
  data?: Record<string, unknown> | null | undefined;
  /** The sender's id for the event: a second delivery with it changes nothing. */
  id?: string | undefined;
  /** Who sends it, from outside (api caller, intake producer); absent for the deployment's own code. */
  sender?: Submitter | undefined;
}

/** An outside event as intake messages carry it: `{ "event": { … } }` (the api's body is the inner object). */
export const eventMessageSchema = z.strictObject({
  event: z.strictObject({
    name: z.string(),
    key: z.string(),
    data: z.record(z.string(), z.unknown()).nullable().optional(),
    id: z.string().optional(),
    tenant: z.string().optional(),
  }),
});

/** Refuses a malformed event name or key before it reaches a key; pure. */
export function assertEventAddress(name: unknown, key: unknown): asserts name is string {
  if (typeof name !== 'string' || !EVENT_NAME_PATTERN.test(name))
    throw new BadRequestError('name must be 1 to 128 letters, digits, dots, colons, dashes or underscores', 'name');
  if (typeof key !== 'string' || key.length < 1 || key.length > MAX_EVENT_KEY)
    throw new BadRequestError(`key must be a string of 1 to ${MAX_EVENT_KEY} characters`, 'key');
}

export async function sendEvent(ctx: EngineContext, input: SendEventInput): Promise<{ id: string; woken: number }> {
  if (input.sender) assertMaySendEvent(input.sender, input.tenant);
  assertEventAddress(input.name, input.key);
  if (input.id !== undefined && (typeof input.id !== 'string' || !EVENT_NAME_PATTERN.test(input.id))) {
    throw new BadRequestError('id must be 1 to 128 letters, digits, dots, colons, dashes or underscores', 'id');
  }
  const data = input.data ?? null;
  if (data !== null && (typeof data !== 'object' || Array.isArray(data))) throw new BadRequestError('data must be an object', 'data');
  const refusal = dataRefusal(data);
  if (refusal) throw new BadRequestError(`data ${refusal.message}; got ${refusal.got}`, 'data');
  const { deps } = ctx;
  const now = deps.clock();
  const id = input.id ?? `${now.toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
  await deps.jobs.putIfAbsent({
    ...eventKey(input.tenant, input.name, input.key, id),
    id,
    name: input.name,
    key: input.key,
    // As JSON, like checkpoints: a map would refuse what JSON allows (empty keys, numbers past DynamoDB's range).
    data: JSON.stringify(data),
    sentAt: now,
    seq: sendOrder(now),
    expiresAt: Math.ceil((now + EVENT_RETENTION_MS) / 1000),
  });
  let woken = 0;
  for (const waiter of await deps.jobs.queryPartitionAll(eventWaiterPartition(input.tenant, input.name, input.key), '', { consistent: true })) {
    const job = await deps.jobs.get(waiter.sk as string);
    if (job?.tenant === input.tenant && job.eventWait && (await startDelayed(ctx, job))) woken++;
  }
  return { id, woken };
}

/**
 * The first event of this name and key a wait that began at `since` may take: sent at most
 * EVENT_RETENTION_MS before, and not taken by an earlier wait of the same run (`taken`).
 */
export async function findEvent(
  ctx: EngineContext,
  tenant: string,
  name: string,
  key: string,
  since: number,
  taken: ReadonlySet<string>,
): Promise<StoredEvent | undefined> {
  // Read whole: sorted by id, not by time, so the oldest event a wait may take can be on any
  // page. A partition holds one name and key's events of the last day (often one), and what
  // the TTL has not yet deleted.
  const events = await ctx.deps.jobs.queryPartitionAll(eventPartition(tenant, name, key), '', { consistent: true });
  return (events as unknown as StoredEvent[])
    .filter((event) => event.sentAt >= since - EVENT_RETENTION_MS && !taken.has(event.id))
    .sort((a, b) => a.sentAt - b.sentAt || (a.seq ?? 0) - (b.seq ?? 0) || a.id.localeCompare(b.id))[0];
}

/** What a wait for an event stores as its checkpoint: the event's data (null at the timeout) and which event it took. */
export interface EventAnswer {
  data: unknown;
  eventId: string | null;
}

/** The event a wait takes, or its timeout's null answer; undefined while it still waits. */
export async function eventAnswer(
  ctx: EngineContext,
  tenant: string,
  wait: { name: string; key: string; since: number; until: number },
  checkpoints: ReadonlyMap<string, Checkpoint>,
): Promise<EventAnswer | undefined> {
  const taken = new Set(
    [...checkpoints.values()].map((checkpoint) => (checkpoint.result as Partial<EventAnswer> | undefined)?.eventId).filter((id) => typeof id === 'string'),
  );
  const event = await findEvent(ctx, tenant, wait.name, wait.key, wait.since, taken);
  if (event) return { data: JSON.parse(event.data), eventId: event.id };
  return ctx.deps.clock() >= wait.until ? { data: null, eventId: null } : undefined;
}

export async function registerWaiter(ctx: EngineContext, tenant: string, name: string, key: string, jobId: string, until: number): Promise<void> {
  await ctx.deps.jobs.put({ ...eventWaiterKey(tenant, name, key, jobId), until, expiresAt: Math.ceil(until / 1000) + 86_400 });
}

export async function removeWaiter(ctx: EngineContext, tenant: string, name: string, key: string, jobId: string): Promise<void> {
  await ctx.deps.jobs.delete(eventWaiterKey(tenant, name, key, jobId));
}
