import { settings } from './settings.ts';
import { sessionSecretArgs, sessionSecretValueArgs } from './sst-args.ts';

/**
 * The api's secrets, as in the CDK construct (infra/cdk/secrets.ts): a generated session secret,
 * and the operator's admin token secret when STINT_DEPLOY_ADMIN_TOKEN_SECRET names one. The
 * functions get their ARNs, and only the api's role may read them (infra/spec-permissions.ts).
 */
export const sessionSecret = new aws.secretsmanager.Secret('SessionSecret', sessionSecretArgs());

new aws.secretsmanager.SecretVersion(
  'SessionSecretValue',
  { secretId: sessionSecret.id, secretString: aws.secretsmanager.getRandomPasswordOutput(sessionSecretValueArgs()).randomPassword },
  { ignoreChanges: ['secretString'] },
);

const adminToken = settings.adminTokenSecret;
export const adminTokenSecretArn = adminToken
  ? aws.secretsmanager.getSecretOutput(adminToken.startsWith('arn:') ? { arn: adminToken } : { name: adminToken }).arn
  : undefined;
