import { AUTH_ENV, SECRET_ENV } from '@stint/core/auth';
import { ENV, RETENTION, WORKER } from '@stint/core/resource-spec';
import { RATE_LIMIT_ENV } from '@stint/functions/api/api-options';
import { defaultIntakeBinding, type IntakeBinding } from '@stint/functions/intake-binding';
import { METRICS, serviceName } from './spec-observability.ts';
import type { EnvName, FunctionSpec } from './spec-types.ts';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** What loadConfig() in packages/core reads at every handler's cold start. */
export const CONFIG_ENV: readonly EnvName[] = [
  ENV.tableName,
  ENV.workQueueUrl,
  ENV.lowQueueUrl,
  ENV.bucketName,
  ENV.sliceBudgetMs,
  ENV.leaseMs,
  ENV.maxInFlightPerRoot,
  ENV.retentionDays,
  ENV.reportTopicArn,
  // Every function builds the same registry from stint.app.ts: the api submits what the worker runs.
  ENV.recordsApp,
];

/** What the api reads besides: its authentication, rate limit, and where its secrets are. */
export const API_ENV: readonly EnvName[] = [...Object.values(AUTH_ENV), ...Object.values(RATE_LIMIT_ENV), ...Object.values(SECRET_ENV)];

/** Names, addresses and secrets only a deployment knows. T is a string, a CDK token or a Pulumi output. */
export interface ResourceRefs<T> {
  tableName: T;
  workQueueUrl: T;
  lowQueueUrl: T;
  bucketName: T;
  /**
   * Where scheduled-run reports are published. Both front doors always create the topic; it is
   * optional for harnesses that run the handlers without SNS (an empty value turns reports off).
   */
  reportTopicArn?: T;
  /** The api's session secret (Secrets Manager), which the deployment generates. */
  sessionSecretArn: T;
  /** The operator's break-glass admin token secret, when there is one. */
  adminTokenSecretArn?: T;
  /**
   * The intake binding as JSON, when the deployment only knows it then (the CDK construct adds
   * the role ids its `grantSubmit` binds); else it is `DeploymentSettings.intakeTenants`.
   */
  intakeTenants?: T;
}

export interface OidcSettings {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  roleClaim?: string;
  tenantClaim?: string;
}

export interface DeploymentSettings {
  retentionDays: number;
  logLevel: LogLevel;
  /** Tenant of intake messages that name none. */
  defaultTenant: string;
  /** Register the example records app (stint.app.ts) and grant the worker what its jobs need. */
  recordsApp: boolean;
  /** Which tenants each intake producer may submit into; default: any producer, the default tenant only. */
  intakeTenants?: IntakeBinding;
  /** Bearer JWTs the api accepts besides Stint API keys. */
  oidc?: OidcSettings;
  rateLimit?: { perSecond: number; burst: number };
}

export const DEFAULT_SETTINGS: DeploymentSettings = {
  retentionDays: RETENTION.endedJobDays,
  logLevel: 'INFO',
  defaultTenant: 'default',
  recordsApp: false,
};

/** Records over each table's keys: a variable added to one of them fails to compile here until it has a value. */
function envValues<T>(refs: ResourceRefs<T>, settings: DeploymentSettings): Record<EnvName, T | string> {
  const config: Record<keyof typeof ENV, T | string> = {
    tableName: refs.tableName,
    workQueueUrl: refs.workQueueUrl,
    lowQueueUrl: refs.lowQueueUrl,
    bucketName: refs.bucketName,
    sliceBudgetMs: String(WORKER.sliceBudgetMs),
    leaseMs: String(WORKER.leaseMs),
    maxInFlightPerRoot: String(WORKER.maxInFlightPerRoot),
    retentionDays: String(settings.retentionDays),
    reportTopicArn: refs.reportTopicArn ?? '',
    defaultTenant: settings.defaultTenant,
    recordsApp: String(settings.recordsApp),
    intakeTenants: refs.intakeTenants ?? JSON.stringify(settings.intakeTenants ?? defaultIntakeBinding(settings.defaultTenant)),
  };
  const oidc = settings.oidc;
  const auth: Record<keyof typeof AUTH_ENV, T | string> = {
    oidcIssuer: oidc?.issuer ?? '',
    oidcAudience: oidc?.audience ?? '',
    oidcJwksUrl: oidc?.jwksUrl ?? '',
    oidcRoleClaim: oidc?.roleClaim ?? '',
    oidcTenantClaim: oidc?.tenantClaim ?? '',
  };
  const rate = settings.rateLimit;
  const rateLimit: Record<keyof typeof RATE_LIMIT_ENV, string> = {
    perSecond: rate ? String(rate.perSecond) : '',
    burst: rate ? String(rate.burst) : '',
  };
  const named = <K extends string>(names: Record<K, string>, values: Record<K, T | string>) =>
    Object.fromEntries(Object.entries<string>(names).map(([key, name]) => [name, values[key as K]]));
  const secrets: Record<keyof typeof SECRET_ENV, T | string> = {
    sessionSecretId: refs.sessionSecretArn,
    adminTokenSecretId: refs.adminTokenSecretArn ?? '',
  };
  return {
    ...named(ENV, config),
    ...named(AUTH_ENV, auth),
    ...named(RATE_LIMIT_ENV, rateLimit),
    ...named(SECRET_ENV, secrets),
  } as Record<EnvName, T | string>;
}

/** The environment of one function. Both front doors call this, so they set the same variables. */
export function functionEnvironment<T>(fn: FunctionSpec, refs: ResourceRefs<T>, settings: DeploymentSettings): Record<string, T | string> {
  const values = envValues(refs, settings);
  const env: Record<string, T | string> = {
    POWERTOOLS_SERVICE_NAME: serviceName(fn.id),
    POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
    POWERTOOLS_LOG_LEVEL: settings.logLevel,
  };
  for (const name of fn.env) env[name] = values[name];
  return env;
}
