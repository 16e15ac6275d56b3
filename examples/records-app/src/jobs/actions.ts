import type { JobLogger } from '@stint/sdk';
import * as z from 'zod';
import type { AppRecord, RecordStore } from '../record-store.ts';
import { sleep, type RecordOutcome } from './common.ts';

export interface ActionInput<P> {
  /** The job's own tenant's records. */
  records: RecordStore;
  log: JobLogger;
  signal: AbortSignal;
  jobId: string;
  entityName: string;
  record: AppRecord;
  /** 1-based position of the record in the whole selection, not just in its chunk. */
  position: number;
  params: P;
}

// biome-ignore lint/suspicious/noExplicitAny: the default lets one table hold actions of every params type.
export interface ActionDefinition<P = any> {
  params: z.ZodType<P>;
  /**
   * Records per step. A step is the unit of replay and of a graceful stop, so slow actions
   * take one record per step; quick ones share a step to save checkpoint writes.
   */
  recordsPerStep: number;
  /**
   * Runs the action on one record. It may run again for the same job and record when a
   * worker dies mid-step, so its side effects must be idempotent per job and record.
   * An outcome with status 'error' is a per-record failure; a thrown error fails the step
   * (and the engine retries it).
   */
  run(input: ActionInput<P>): Promise<RecordOutcome>;
}

const logSomething: ActionDefinition<{ param1?: unknown; param2?: unknown }> = {
  params: z.object({ param1: z.unknown().optional(), param2: z.unknown().optional() }),
  recordsPerStep: 20,
  async run({ log, record, params }) {
    log.info(`logSomething on ${record.name} (${record.id}): param1=${String(params.param1)}, param2=${String(params.param2)}`);
    return { status: 'ok' };
  },
};

const slowTouch: ActionDefinition<{ ms: number }> = {
  // The wait gives way to ctx.signal, which also fires when a slice must yield (30 s by
  // default); a wait longer than a slice would then never complete, hence the bound.
  params: z.object({ ms: z.number().int().min(0).max(10_000).default(100) }),
  recordsPerStep: 1,
  async run({ records, signal, jobId, entityName, record, params }) {
    // Stopping during the wait is free: nothing has been written yet for this record.
    await sleep(params.ms, signal);
    const touched = await records.touchOnce(entityName, record.id, jobId);
    return { status: 'ok', response: touched ? 'touched' : 'already touched by this job' };
  },
};

const failSome: ActionDefinition<{ every: number }> = {
  params: z.object({ every: z.number().int().min(1).default(3) }),
  recordsPerStep: 20,
  async run({ log, record, position, params }) {
    if (position % params.every !== 0) return { status: 'ok' };
    const errorMessage = `failSome: record #${position} (${record.id}) fails on purpose (every ${params.every})`;
    log.error(errorMessage, { recordId: record.id });
    return { status: 'error', errorMessage };
  },
};

export const ACTIONS: Readonly<Record<string, ActionDefinition>> = { logSomething, slowTouch, failSome };
