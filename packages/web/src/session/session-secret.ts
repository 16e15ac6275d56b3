import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { assertSessionSecret, WEB_ENV } from '../web-options.ts';

const SECRET_KEY = { pk: 'CONFIG', sk: 'session-secret' };

/**
 * The secret that signs monitor sessions in a deployment. STINT_SESSION_SECRET wins when set;
 * otherwise the first api instance to start generates one and keeps it in the (encrypted,
 * api-only) table with a conditional put, and every other instance reads the same value —
 * so a deployment needs no extra secret to provision, and sessions survive cold starts.
 */
export async function loadSessionSecret(
  client: DynamoDBDocumentClient,
  tableName: string,
  env: Record<string, string | undefined> = process.env,
): Promise<string> {
  const configured = env[WEB_ENV.sessionSecret]?.trim();
  if (configured) {
    assertSessionSecret(configured);
    return configured;
  }
  const generated = randomBytes(32).toString('base64url');
  try {
    await client.send(
      new PutCommand({ TableName: tableName, Item: { ...SECRET_KEY, secret: generated }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return generated;
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    const out = await client.send(new GetCommand({ TableName: tableName, Key: SECRET_KEY, ConsistentRead: true }));
    return out.Item!.secret as string;
  }
}
