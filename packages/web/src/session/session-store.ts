import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sessionKey } from '@stint/core/store';

/**
 * Sessions are live on the server as well as signed: sign-out deletes the session's item, and
 * a cookie whose item is gone is refused even though its signature and expiry still hold.
 *
 * The item is keyed by a MAC of the session id under the api's secret, and holds nothing else
 * but its expiry, so whoever reads the table (a backup, an export, another function's role)
 * learns neither a session id nor which cookie an item belongs to, and cannot mint a cookie
 * that finds one. What a session may do stays in the signed cookie, not in the item: a role
 * that can write the table cannot raise a session's privileges by editing it.
 */
export interface SessionItemRef {
  /** `mac(secret, session id)`, from SessionAuthority. */
  mac: string;
  /** Expiry of the session, ms since the epoch. */
  exp: number;
}

/** DynamoDB TTL removes ended sessions' items (epoch seconds); reads never rely on it. */
const expiresAt = (exp: number) => Math.ceil(exp / 1000);

export function putSessionInput(tableName: string, session: SessionItemRef) {
  // A MAC of 16 random bytes does not collide; the condition only makes that explicit.
  return { TableName: tableName, Item: { ...sessionKey(session.mac), expiresAt: expiresAt(session.exp) }, ConditionExpression: 'attribute_not_exists(pk)' };
}

/** Strongly consistent, so a sign-out holds from the next request on, on every instance. */
export function getSessionInput(tableName: string, mac: string) {
  return { TableName: tableName, Key: sessionKey(mac), ConsistentRead: true };
}

export function deleteSessionInput(tableName: string, mac: string) {
  return { TableName: tableName, Key: sessionKey(mac) };
}

export class SessionStore {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async create(session: SessionItemRef): Promise<void> {
    await this.client.send(new PutCommand(putSessionInput(this.tableName, session)));
  }

  async isLive(mac: string): Promise<boolean> {
    return (await this.client.send(new GetCommand(getSessionInput(this.tableName, mac)))).Item !== undefined;
  }

  /** Idempotent: signing out twice, or after expiry, deletes nothing and fails nothing. */
  async end(mac: string): Promise<void> {
    await this.client.send(new DeleteCommand(deleteSessionInput(this.tableName, mac)));
  }
}
