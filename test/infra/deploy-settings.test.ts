import { describe, expect, it } from 'vitest';
import { deploySettings } from '../../infra/deploy-settings.ts';
import { ALARMS, DEFAULT_SETTINGS } from '../../infra/spec.ts';

describe('deploySettings', () => {
  it('defaults from the spec, production only for prod stages', () => {
    expect(deploySettings('dev', {})).toEqual({
      production: false,
      deployment: DEFAULT_SETTINGS,
      waitingTimeThresholdMs: ALARMS.waitingTimeP90.defaultThresholdMs,
      createAlarmTopic: false,
    });
    expect(deploySettings('prod', {}).production).toBe(true);
    expect(deploySettings('production', {}).production).toBe(true);
  });

  it('reads the STINT_DEPLOY_ variables', () => {
    const settings = deploySettings('prod', {
      STINT_DEPLOY_RETENTION_DAYS: '90',
      STINT_DEPLOY_LOG_LEVEL: 'DEBUG',
      STINT_DEPLOY_DEFAULT_TENANT: 'acme',
      STINT_DEPLOY_WAITING_TIME_THRESHOLD_MS: '15000',
      STINT_DEPLOY_ALARM_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:ops',
      STINT_DEPLOY_JWT_ISSUER: 'https://issuer.example.com/',
      STINT_DEPLOY_JWT_AUDIENCE: 'stint-api, stint-monitor',
    });
    expect(settings).toEqual({
      production: true,
      deployment: { retentionDays: 90, logLevel: 'DEBUG', defaultTenant: 'acme', recordsApp: false },
      waitingTimeThresholdMs: 15_000,
      alarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:ops',
      createAlarmTopic: false,
      jwt: { issuer: 'https://issuer.example.com/', audience: ['stint-api', 'stint-monitor'] },
    });
  });

  it('registers the example records app only when asked, and binds intake producers to tenants', () => {
    const settings = deploySettings('prod', {
      STINT_DEPLOY_RECORDS_APP: 'true',
      STINT_DEPLOY_INTAKE_TENANTS: '{"*":["default"],"AROAORDERS":["acme"]}',
    });
    expect(settings.deployment).toMatchObject({ recordsApp: true, intakeTenants: { '*': ['default'], AROAORDERS: ['acme'] } });
    expect(deploySettings('prod', {}).deployment.recordsApp).toBe(false);
    expect(deploySettings('prod', {}).deployment.intakeTenants).toBeUndefined();
    expect(() => deploySettings('dev', { STINT_DEPLOY_RECORDS_APP: 'yes' })).toThrow(/STINT_DEPLOY_RECORDS_APP must be true or false/);
    expect(() => deploySettings('dev', { STINT_DEPLOY_INTAKE_TENANTS: 'acme' })).toThrow(/STINT_DEPLOY_INTAKE_TENANTS must be JSON/);
  });

  it('refuses values that would deploy a broken stack', () => {
    expect(() => deploySettings('dev', { STINT_DEPLOY_RETENTION_DAYS: 'thirty' })).toThrow(/STINT_DEPLOY_RETENTION_DAYS/);
    expect(() => deploySettings('dev', { STINT_DEPLOY_WAITING_TIME_THRESHOLD_MS: '0' })).toThrow(/positive/);
    expect(() => deploySettings('dev', { STINT_DEPLOY_LOG_LEVEL: 'LOUD' })).toThrow(/STINT_DEPLOY_LOG_LEVEL/);
  });
});
