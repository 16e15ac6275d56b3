import type { S3Client } from '@aws-sdk/client-s3';
import { NonRetriableError } from '@stint/sdk';
import * as z from 'zod';
import { RECORD_TYPES, type RecordStore } from '../record-store.ts';

/** What every job type of the app needs, built once by createRecordsApp. */
export interface JobDeps {
  /** The records of one tenant: a job asks for its own job's tenant, never one from its data. */
  records: (tenant: string) => RecordStore;
  s3: S3Client;
  bucketName: string;
}

export type RecordOutcome = { status: 'ok'; response?: unknown } | { status: 'error'; errorMessage: string };

/** The seeds' results map for per-record jobs: `{ results: { <id>: outcome } }`. */
export interface PerRecordResults {
  results: Record<string, RecordOutcome>;
}

/**
 * The seeds cap the per-record results map at 1,000 entries ("if you execute the action over
 * more than 1,000 records you might not be able to collect the response for each one"); it
 * also keeps the job item far below DynamoDB's 400 KB item limit.
 */
export const MAX_RESULTS = 1_000;

/** Adds outcomes to `into` until it holds MAX_RESULTS entries; returns how many were dropped. */
export function addCapped(into: Record<string, RecordOutcome>, from: Record<string, RecordOutcome>): number {
  let size = Object.keys(into).length;
  let dropped = 0;
  for (const [id, outcome] of Object.entries(from)) {
    if (id in into) into[id] = outcome;
    else if (size < MAX_RESULTS) {
      into[id] = outcome;
      size++;
    } else dropped++;
  }
  return dropped;
}

export const entityName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'entityName must be a simple name such as "companies"');

export const recordQuery = z.object({ type: z.enum(RECORD_TYPES).optional(), city: z.string().min(1).optional() }).strict();

/** Invalid data will never become valid by retrying, so it ends the job at once. */
export function parseData<T extends z.ZodType>(schema: T, data: unknown, type: string): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new NonRetriableError(`invalid data for ${type}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const percent = (done: number, total: number) => (total === 0 ? 100 : Math.floor((done / total) * 100));

/** Waits `ms`, ending early with the signal's reason when the job is asked to stop or yield. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
