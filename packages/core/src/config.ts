import { BadRequestError } from './errors.ts';
import { ENV, RETENTION, WORKER } from './resource-spec.ts';

export interface StintConfig {
  tableName: string;
  workQueueUrl: string;
  lowQueueUrl: string;
  bucketName: string;
  sliceBudgetMs: number;
  leaseMs: number;
  maxInFlightPerRoot: number;
  retentionDays: number;
  /** Where scheduled-run reports go; unset means reports are not sent. */
  reportTopicArn?: string;
}

export const DEFAULT_TUNING = {
  sliceBudgetMs: WORKER.sliceBudgetMs,
  leaseMs: WORKER.leaseMs,
  maxInFlightPerRoot: WORKER.maxInFlightPerRoot,
  retentionDays: RETENTION.endedJobDays,
} as const;

/** Reads the handlers' configuration; a missing variable is a deployment error, said plainly. */
export function loadConfig(env: Record<string, string | undefined> = process.env): StintConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new BadRequestError(`environment variable ${name} is not set`, name);
    return value;
  };
  const positive = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new BadRequestError(`${name} must be a positive number`, name);
    return value;
  };
  return {
    tableName: required(ENV.tableName),
    workQueueUrl: required(ENV.workQueueUrl),
    lowQueueUrl: required(ENV.lowQueueUrl),
    bucketName: required(ENV.bucketName),
    sliceBudgetMs: positive(ENV.sliceBudgetMs, DEFAULT_TUNING.sliceBudgetMs),
    leaseMs: positive(ENV.leaseMs, DEFAULT_TUNING.leaseMs),
    maxInFlightPerRoot: positive(ENV.maxInFlightPerRoot, DEFAULT_TUNING.maxInFlightPerRoot),
    retentionDays: positive(ENV.retentionDays, DEFAULT_TUNING.retentionDays),
    ...(env[ENV.reportTopicArn] ? { reportTopicArn: env[ENV.reportTopicArn] } : {}),
  };
}
