import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { deploySettings } from '../deploy-settings.ts';
import { StintStack } from './stint-stack.ts';

/**
 * `npx cdk synth|deploy [-c stage=prod]`. The other options are the STINT_DEPLOY_* variables
 * the SST deployment reads too (docs/deploy.md).
 */
const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
const settings = deploySettings(stage, process.env);

new StintStack(app, `Stint-${stage}`, {
  description: `Stint background jobs (${stage})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  jobs: {
    stage,
    production: settings.production,
    retentionDays: settings.deployment.retentionDays,
    logLevel: settings.deployment.logLevel,
    defaultTenant: settings.deployment.defaultTenant,
    recordsApp: settings.deployment.recordsApp,
    ...(settings.deployment.intakeTenants ? { intakeTenants: settings.deployment.intakeTenants } : {}),
    ...(settings.deployment.oidc ? { oidc: settings.deployment.oidc } : {}),
    ...(settings.deployment.rateLimit ? { rateLimit: settings.deployment.rateLimit } : {}),
    ...(settings.adminTokenSecret ? { adminTokenSecret: settings.adminTokenSecret } : {}),
    waitingTimeThresholdMs: settings.waitingTimeThresholdMs,
    createAlarmTopic: settings.createAlarmTopic,
    ...(settings.alarmTopicArn ? { alarmTopicArn: settings.alarmTopicArn } : {}),
    ...(settings.jwt ? { jwtAuthorizer: settings.jwt } : {}),
  },
});
// Every synth is checked; an unacknowledged finding fails it. Each acknowledgement in infra/cdk says why.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
