import type { JobDefinition } from '@stint/sdk';
import { crashPoint } from '../crash-points.ts';
import type { JobRecord } from '../job-record.ts';
import {
  blockedPartition,
  blockedSortKey,
  concurrencyKeyItem,
  dispatchSetOf,
  jobOfBlockedSortKey,
  parseSlotToken,
  SHARDS,
  slotToken,
  waitingKeyIndexKeys,
  waitingKeysShard,
} from '../store/table-keys.ts';
import type { UpdateSpec } from '../store/update-expression.ts';
import { emit, expiresAt, type EngineDeps } from './deps.ts';
import { merge } from './transitions.ts';

/** What the gate needs of the dispatcher: putting a waiting job back in its ready set (dispatcher.ts). */
export interface ReadySetter {
  makeReady(record: JobRecord, guard: UpdateSpec): Promise<JobRecord | null>;
}

/**
 * Per-key concurrency limits (`defineJob({ concurrency: { limit, key } })`), inside the fair
 * dispatcher.
 *
 * Each (tenant, type, key) has one item, `CK#<tenant>#<type>#<key>`, whose string set
 * `holders` holds a token per running dispatch (`<job id>#<taken at>`). The dispatcher takes a
 * slot just before it claims a limited job (one conditional ADD: the set is smaller than the
 * limit), and the claim stores the token on the job (`concurrencySlot`); a lone root takes it
 * at submit and is written in flight with it (submit.ts). A slice whose job
 * leaves the in-flight set (finished, parked, slept, yielded, stopped, failed) gives it back.
 * A job that finds its key full leaves its root's ready set for its key's blocked set
 * (`B#<tenant>#<type>#<key>`, oldest first), so its root's other work and other keys go on;
 * a release makes the oldest blocked jobs ready again, as many as there is room for.
 *
 * What a crash leaves, and who repairs it:
 * - a token whose job is not in flight with that token (killed between taking the slot and
 *   the claim, or between the slice's end and the release; or a job force-stopped) is stale.
 *   Tokens younger than settleGraceMs are never judged: the claim that follows a take is
 *   milliseconds behind it. A take that finds the key full drops the stale tokens and tries
 *   once more, and the sweeper drops them for every key with waiting jobs. A claim held up
 *   past the grace may so lose its token: its slice confirms it before running (`confirm`).
 * - a blocked job whose release never came: the key item is marked waiting (gsi5 `G#<shard>`)
 *   before any job is blocked, and the sweeper visits the marked keys, making blocked jobs
 *   ready while there is room, and unmarks a key with none left.
 */
export class ConcurrencyGate {
  constructor(
    readonly deps: EngineDeps,
    readonly dispatcher: ReadySetter,
  ) {}

  /**
   * Claims a ready job of a limited type (`claim`: the dispatcher's claim of it): takes a slot
   * of its key, then claims the job with the slot's token. The claimed job, or null when it was
   * not ready any more or its key was full (then it waits in its key's blocked set).
   */
  async claim(id: string, claim: UpdateSpec, now: number): Promise<JobRecord | null> {
    const { jobs } = this.deps;
    const record = await jobs.get(id);
    // Still in the ready partition the dispatcher read it in, which its claim is conditioned on.
    if (!record || record.gsi5pk !== claim.values?.[':ready']) return null;
    const limit = this.#limitOf(record);
    // The type lost its limit since the job was submitted: it runs as any job.
    if (limit === undefined || record.concurrencyKey === undefined) return jobs.tryUpdate(id, claim);
    const token = await this.#take(record, record.concurrencyKey, limit, now);
    if (!token) {
      await this.#block(record, record.concurrencyKey, limit, now);
      return null;
    }
    await crashPoint('concurrency.slotTaken', { jobId: id, jobType: record.type });
    const claimed = await jobs.tryUpdate(id, merge(claim, { set: { concurrencySlot: token }, remove: ['concurrencyWait'] }));
    // Claimed by another pump, or stopped meanwhile: the slot we took is nobody's.
    if (!claimed) await this.giveBack(record, record.concurrencyKey, token);
    return claimed;
  }

  /**
   * Whether a dispatched job still holds the slot it was claimed with, so its slice may run. A
   * claim held up past settleGraceMs (a pump or a submission frozen between its take and its
   * write) can find its token dropped by a take that judged it stale, and the slot given to
   * another job: the job then takes its slot again, or, on a full key, must not run. A token
   * younger than settleGraceMs cannot have been judged, so the common case reads nothing.
   */
  async confirm(record: JobRecord, now: number): Promise<boolean> {
    const { concurrencySlot: token, concurrencyKey: key } = record;
    const limit = this.#limitOf(record);
    if (token === undefined || key === undefined || limit === undefined) return true;
    if (parseSlotToken(token).takenAt >= now - this.deps.tuning.settleGraceMs) return true;
    const item = concurrencyKeyItem(record.tenant, record.type, key);
    const holders = (await this.deps.jobs.getItem(item))?.holders as Set<string> | undefined;
    if (holders?.has(token)) return true;
    return (await this.deps.jobs.tryUpdateItem(item, takeSpec(token, limit, expiresAt(this.deps, now)))) !== null;
  }

  /**
   * Gives back the slot a slice's job held, once the job left the in-flight set, and makes the
   * oldest blocked jobs of its key ready. Failures are reported, not thrown: the slice's
   * outcome stands, and the stale token is dropped later (see the class comment).
   */
  async release(record: JobRecord): Promise<void> {
    if (record.concurrencySlot === undefined || record.concurrencyKey === undefined) return;
    try {
      await this.giveBack(record, record.concurrencyKey, record.concurrencySlot);
    } catch (error) {
      emit(this.deps, { type: 'warning', message: 'concurrency slot not given back; the sweeper will', jobId: record.id, error });
    }
  }

  /**
   * The sweeper's pass over the keys with waiting jobs: drops stale tokens and makes blocked
   * jobs ready while there is room; unmarks a key whose blocked set is empty and quiet. Returns
   * how many jobs it made ready. Reads the marked keys only — all of them, as the sweeper reads
   * the in-flight sets: bounded by the keys with waiting jobs, not by tenants or keys ever used.
   */
  async sweep(now: number): Promise<number> {
    let woken = 0;
    for (let shard = 0; shard < SHARDS; shard++) {
      const keys = await this.deps.jobs.queryIndexAll({ index: 'gsi5', partition: waitingKeysShard(shard) });
      for (const item of await this.deps.jobs.getItems(keys.map((key) => ({ pk: key.pk!, sk: key.sk! })))) woken += await this.#sweepKey(item, now);
    }
    return woken;
  }

  async #sweepKey(item: Record<string, unknown>, now: number): Promise<number> {
    const ref = { tenant: item.tenant as string, type: item.type as string, key: item.key as string };
    await this.#dropStale(ref, now);
    const made = await this.#wake(ref, this.deps.registry.get(ref.type)?.concurrency?.limit ?? Number.POSITIVE_INFINITY);
    if (made.empty) {
      // Unless a job was blocked since we read the key (waitVersion) or moments ago (touchedAt):
      // its entry in the blocked set may not show in the index yet.
      await this.deps.jobs.tryUpdateItem(concurrencyKeyItem(ref.tenant, ref.type, ref.key), {
        remove: ['gsi5pk', 'gsi5sk'],
        condition: '#waitVersion = :version AND #touchedAt < :settled',
        values: { ':version': item.waitVersion, ':settled': now - this.deps.tuning.settleGraceMs },
      });
    }
    return made.woken;
  }

  #limitOf(record: Pick<JobRecord, 'type'>): number | undefined {
    return this.deps.registry.get(record.type)?.concurrency?.limit;
  }

  /**
   * Takes a slot of the key for a job about to be written in flight (submit's fast path, a
   * lone root): the token, or null when the key is full and the job must wait its turn. The
   * caller stores the token on the job it writes, or gives it back if it writes none.
   */
  async takeForSubmit(job: SlotHolder, key: string, now: number): Promise<string | null> {
    const token = await this.#take(job, key, this.#limitOf(job) ?? Number.POSITIVE_INFINITY, now);
    if (token) await crashPoint('concurrency.slotTaken', { jobId: job.id, jobType: job.type });
    return token;
  }

  /** Takes a slot of the key; on a full key, drops its stale tokens and tries once more. The token, or null when full. */
  async #take(record: SlotHolder, key: string, limit: number, now: number): Promise<string | null> {
    const ref = { tenant: record.tenant, type: record.type, key };
    const token = slotToken(record.id, now);
    for (let attempt = 0; attempt < 2; attempt++) {
      const taken = await this.deps.jobs.tryUpdateItem(concurrencyKeyItem(ref.tenant, ref.type, key), takeSpec(token, limit, expiresAt(this.deps, now)));
      if (taken) return token;
      if (attempt === 0 && (await this.#dropStale(ref, now)) === 0) return null;
    }
    return null;
  }

  /**
   * Drops the tokens whose job is gone, or not in flight with that token any more; tokens
   * younger than settleGraceMs are left alone (their claim may be under way). How many it dropped.
   */
  async #dropStale(ref: KeyRef, now: number): Promise<number> {
    const { jobs, tuning } = this.deps;
    const item = await jobs.getItem(concurrencyKeyItem(ref.tenant, ref.type, ref.key));
    const tokens = [...((item?.holders as Set<string> | undefined) ?? [])].filter((token) => parseSlotToken(token).takenAt < now - tuning.settleGraceMs);
    if (tokens.length === 0) return 0;
    // Read consistently: a token is judged by what its job is now.
    const holders = await jobs.getMany(
      tokens.map((token) => parseSlotToken(token).jobId),
      true,
    );
    const stale = tokens.filter((token) => !holdsToken(holders.get(parseSlotToken(token).jobId), token));
    if (stale.length === 0) return 0;
    await jobs.tryUpdateItem(concurrencyKeyItem(ref.tenant, ref.type, ref.key), { delete: { holders: new Set(stale) }, condition: 'attribute_exists(#pk)' });
    return stale.length;
  }

  /**
   * The key is full: marks it waiting, then moves the job from its root's ready set to the
   * key's blocked set, then looks again — a release between our take and the move found no
   * one to wake, so the room it left is used now.
   */
  async #block(record: JobRecord, key: string, limit: number, now: number): Promise<void> {
    const { jobs } = this.deps;
    const ref = { tenant: record.tenant, type: record.type, key };
    await jobs.tryUpdateItem(concurrencyKeyItem(ref.tenant, ref.type, key), markWaitingSpec(ref, now, expiresAt(this.deps, now)));
    await crashPoint('concurrency.keyMarked', { jobId: record.id, jobType: record.type });
    const since = record.concurrencyWait?.since ?? now;
    const blocked = await jobs.tryUpdate(record.id, {
      set: { gsi5pk: blockedPartition(ref.tenant, ref.type, key), gsi5sk: blockedSortKey(since, record.id), concurrencyWait: { key, limit, since } },
      condition: '#gsi5pk = :ready',
      values: { ':ready': record.gsi5pk },
    });
    if (!blocked) return;
    await crashPoint('concurrency.blocked', { jobId: record.id, jobType: record.type });
    await this.#wake(ref, limit);
  }

  /**
   * Gives a slot back (a slice's end, a claim that lost, a submission whose job was never
   * written) and makes the oldest blocked jobs of its key ready.
   */
  async giveBack(record: SlotHolder, key: string, token: string): Promise<void> {
    const ref = { tenant: record.tenant, type: record.type, key };
    await this.deps.jobs.tryUpdateItem(concurrencyKeyItem(ref.tenant, ref.type, key), {
      delete: { holders: new Set([token]) },
      condition: 'attribute_exists(#pk)',
    });
    await crashPoint('concurrency.released', { jobId: record.id, jobType: record.type });
    await this.#wake(ref, this.#limitOf(record) ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Makes the oldest blocked jobs of the key ready, as many as its free slots (each still
   * takes its slot when dispatched; one that loses it to another job is blocked again, keeping
   * its place). `empty`: the blocked set read empty.
   */
  async #wake(ref: KeyRef, limit: number): Promise<{ woken: number; empty: boolean }> {
    const { jobs } = this.deps;
    const item = await jobs.getItem(concurrencyKeyItem(ref.tenant, ref.type, ref.key));
    // A key is marked before any of its jobs is blocked, and unmarked only once its blocked set
    // read empty well after its last mark: an unmarked key has no one to wake.
    if (item?.gsi5pk === undefined) return { woken: 0, empty: true };
    const free = limit - ((item.holders as Set<string> | undefined)?.size ?? 0);
    const partition = blockedPartition(ref.tenant, ref.type, ref.key);
    const page = await jobs.queryIndex({ index: 'gsi5', partition, limit: Math.max(1, Math.min(free, WAKE_BATCH)) });
    if (page.keys.length === 0) return { woken: 0, empty: true };
    if (free <= 0) return { woken: 0, empty: false };
    let woken = 0;
    const blocked = await jobs.getMany(
      page.keys.map((key) => jobOfBlockedSortKey(key.gsi5sk!)),
      true,
    );
    // `concurrencyWait` stays on a woken job until its claim: the monitor still says why it
    // waits, and one that loses the slot to another job is blocked again with its old place.
    const guard: UpdateSpec = { condition: '#gsi5pk = :blocked', values: { ':blocked': partition } };
    for (const record of blocked.values()) if (await this.dispatcher.makeReady(record, guard)) woken++;
    return { woken, empty: false };
  }
}

/** What a slot's bookkeeping needs of its job. */
type SlotHolder = Pick<JobRecord, 'id' | 'tenant' | 'type'>;

interface KeyRef {
  tenant: string;
  type: string;
  key: string;
}

/** Blocked jobs one release or sweep makes ready at most, per key. */
const WAKE_BATCH = 25;

/** Update parts that take a slot: the token joins the holders while they are fewer than the limit. */
export function takeSpec(token: string, limit: number, expires: number): UpdateSpec {
  return {
    add: { holders: new Set([token]) },
    // A key unused for the retention period goes; every take pushes that back.
    set: { expiresAt: expires },
    condition: 'attribute_not_exists(#holders) OR size(#holders) < :limit',
    values: { ':limit': limit },
  };
}

/** Update parts that mark a key as having waiting jobs, for the sweeper (gsi5 `G#<shard>`). */
export function markWaitingSpec(ref: KeyRef, now: number, expires: number): UpdateSpec {
  return {
    set: { ...waitingKeyIndexKeys(ref.tenant, ref.type, ref.key), tenant: ref.tenant, type: ref.type, key: ref.key, touchedAt: now, expiresAt: expires },
    add: { waitVersion: 1 },
  };
}

/** Whether a job holds a slot with this token: it is in flight from the dispatch that took it. */
export function holdsToken(record: JobRecord | undefined, token: string): boolean {
  return record !== undefined && dispatchSetOf(record) === 'inFlight' && record.concurrencySlot === token;
}

/**
 * A job's concurrency key from its data, when its type has a limit; a refusal when the key
 * function throws or gives no usable key (so a submission answers 400 and writes nothing).
 */
export function concurrencyKeyOf(definition: JobDefinition, data: Record<string, unknown>): { key?: string } | { refusal: string } {
  if (!definition.concurrency) return {};
  let key: unknown;
  try {
    key = definition.concurrency.key(data);
  } catch (error) {
    return { refusal: `gives no concurrency key for type ${definition.type}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    return {
      refusal: `gives no concurrency key for type ${definition.type}: its key must be a string of 1 to ${MAX_KEY_LENGTH} characters, got ${JSON.stringify(key)?.slice(0, 80)}`,
    };
  }
  return { key };
}

/** Keys end up in partition keys (at most 2,048 bytes with the tenant and type). */
export const MAX_KEY_LENGTH = 512;
