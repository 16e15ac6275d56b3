import { DEFAULT_RATE_LIMIT } from '@stint/functions/api/rate-limit';
import { parseIntakeBinding } from '@stint/functions/intake-binding';
import { ALARMS, DEFAULT_SETTINGS, isProductionStage, type DeploymentSettings, type LogLevel } from './spec.ts';

/**
 * Deploy-time options, read by both front doors from the environment of `sst deploy` or
 * `cdk deploy`. The STINT_DEPLOY_ prefix keeps them apart from the handlers' runtime variables.
 */
export interface DeploySettings {
  production: boolean;
  deployment: DeploymentSettings;
  waitingTimeThresholdMs: number;
  alarmTopicArn?: string;
  createAlarmTopic: boolean;
  /** JWT authorizer on the HTTP API itself: requests without a valid token never reach Lambda. */
  jwt?: { issuer: string; audience: string[] };
  /** Name or ARN of a Secrets Manager secret whose value becomes the api's admin token. */
  adminTokenSecret?: string;
}

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

export function deploySettings(stage: string, env: Record<string, string | undefined>): DeploySettings {
  const text = (name: string) => env[`STINT_DEPLOY_${name}`]?.trim() || undefined;
  const positive = (name: string, fallback: number) => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`STINT_DEPLOY_${name} must be a positive number, not "${raw}"`);
    return value;
  };
  const list = (name: string) =>
    (text(name) ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
  const optional = <K extends string>(key: K, value: string | undefined) => (value === undefined ? {} : { [key]: value });

  const logLevel = text('LOG_LEVEL') ?? DEFAULT_SETTINGS.logLevel;
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) throw new Error(`STINT_DEPLOY_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const oidcIssuer = text('OIDC_ISSUER');
  const oidcAudience = text('OIDC_AUDIENCE');
  if ((oidcIssuer === undefined) !== (oidcAudience === undefined)) {
    throw new Error('set both STINT_DEPLOY_OIDC_ISSUER and STINT_DEPLOY_OIDC_AUDIENCE, or neither');
  }
  const rateLimited = text('RATE_LIMIT_PER_SECOND') !== undefined || text('RATE_LIMIT_BURST') !== undefined;
  const jwtIssuer = text('JWT_ISSUER');
  const intakeTenants = text('INTAKE_TENANTS');
  const recordsApp = text('RECORDS_APP') ?? 'false';
  if (recordsApp !== 'true' && recordsApp !== 'false') throw new Error(`STINT_DEPLOY_RECORDS_APP must be true or false, not "${recordsApp}"`);

  const deployment: DeploymentSettings = {
    retentionDays: positive('RETENTION_DAYS', DEFAULT_SETTINGS.retentionDays),
    logLevel: logLevel as LogLevel,
    defaultTenant: text('DEFAULT_TENANT') ?? DEFAULT_SETTINGS.defaultTenant,
    recordsApp: recordsApp === 'true',
    ...(intakeTenants ? { intakeTenants: parseIntakeBinding(intakeTenants, 'STINT_DEPLOY_INTAKE_TENANTS') } : {}),
    ...(oidcIssuer && oidcAudience
      ? {
          oidc: {
            issuer: oidcIssuer,
            audience: oidcAudience,
            ...optional('jwksUrl', text('OIDC_JWKS_URL')),
            ...optional('roleClaim', text('OIDC_ROLE_CLAIM')),
            ...optional('tenantClaim', text('OIDC_TENANT_CLAIM')),
          },
        }
      : {}),
    ...(rateLimited
      ? {
          rateLimit: {
            perSecond: positive('RATE_LIMIT_PER_SECOND', DEFAULT_RATE_LIMIT.perSecond),
            burst: positive('RATE_LIMIT_BURST', DEFAULT_RATE_LIMIT.burst),
          },
        }
      : {}),
  };
  return {
    production: isProductionStage(stage),
    deployment,
    waitingTimeThresholdMs: positive('WAITING_TIME_THRESHOLD_MS', ALARMS.waitingTimeP90.defaultThresholdMs),
    ...optional('alarmTopicArn', text('ALARM_TOPIC_ARN')),
    createAlarmTopic: text('CREATE_ALARM_TOPIC') === 'true',
    ...(jwtIssuer ? { jwt: { issuer: jwtIssuer, audience: list('JWT_AUDIENCE') } } : {}),
    ...optional('adminTokenSecret', text('ADMIN_TOKEN_SECRET')),
  };
}
