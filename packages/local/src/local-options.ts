import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { DEFAULT_TENANT } from '@stint/core/auth';
import { ENV } from '@stint/core/resource-spec';
import { defaultIntakeBinding, parseIntakeBinding, type IntakeBinding } from '@stint/functions/intake-binding';

export interface LocalOptions {
  port: number;
  dataDir: string;
  adminToken: string;
  /** True when the token was generated for this start (printed, not persisted). */
  generatedToken: boolean;
  sweepIntervalMs: number;
  leaseMs: number;
  sliceBudgetMs: number;
  workerConcurrency: number;
  seed: boolean;
  /** Which tenants intake producers may submit into; fauxqs reports every sender as account 000000000000. */
  intakeBinding: IntakeBinding;
  /** Registers the chaos job types (`npm run chaos` sets STINT_CHAOS=1). */
  chaos: boolean;
}

/** `npm start`'s settings from the environment, with defaults that need no setup. */
export function readLocalOptions(env: Record<string, string | undefined>): LocalOptions {
  const number = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
    return value;
  };
  const token = env.STINT_ADMIN_TOKEN;
  return {
    port: number('PORT', 3000),
    dataDir: resolve(env.STINT_DATA_DIR ?? '.stint'),
    adminToken: token || `stint_local_${randomBytes(18).toString('base64url')}`,
    generatedToken: !token,
    sweepIntervalMs: number('STINT_SWEEP_INTERVAL_MS', 5_000),
    // Short leases locally so a killed stack's running jobs are picked up again quickly.
    leaseMs: number('STINT_LEASE_MS', 15_000),
    sliceBudgetMs: number('STINT_SLICE_BUDGET_MS', 10_000),
    workerConcurrency: number('STINT_WORKER_CONCURRENCY', 4),
    seed: env.STINT_SEED !== 'false',
    intakeBinding: env[ENV.intakeTenants] ? parseIntakeBinding(env[ENV.intakeTenants]!, ENV.intakeTenants) : defaultIntakeBinding(DEFAULT_TENANT),
    chaos: env.STINT_CHAOS === '1',
  };
}
