import { createHash, randomBytes } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BadRequestError, isConditionalCheckFailed, NotFoundError } from '../errors.ts';
import { readPartition } from '../query/table-reader.ts';
import { isRole, TENANT_PATTERN, type Principal, type Role } from './principal.ts';

/**
 * API keys in the single table. The key itself is never stored: only its SHA-256, so a table
 * read (a backup, a support export) cannot be replayed as a credential.
 *
 *   item           pk          sk      attributes
 *   key by hash    K#<hash>    K       id, name, role, tenant          (authentication: one GetItem)
 *   key listing    KEYS        <id>    hash, name, role, tenant, createdAt, revokedAt
 *
 * The listing partition makes `list` a Query rather than a Scan; it is small (one item per key
 * ever issued) and holds the hash so revoke-by-id can find the key item.
 */
export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  tenant: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface NewApiKey {
  name: string;
  role: Role;
  tenant?: string | null | undefined;
}

/** 32 random bytes: guessing one is out of reach, so a hash lookup needs no attempt counter. */
const KEY_PREFIX = 'stint_';
const LISTING_PK = 'KEYS';

export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('base64url');
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(KEY_PREFIX) && token.length < 200;
}

/** Checks a new key's fields; throws BadRequestError naming the field. Pure. */
export function validateNewKey(input: NewApiKey): { name: string; role: Role; tenant: string | null } {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name.length < 1 || name.length > 100) throw new BadRequestError('name must be 1 to 100 characters', 'name');
  if (!isRole(input.role)) throw new BadRequestError('role must be admin, tenant-admin or viewer', 'role');
  const tenant = input.tenant ?? null;
  if (input.role === 'admin') {
    if (tenant !== null) throw new BadRequestError('an admin key sees every tenant; leave tenant out', 'tenant');
    return { name, role: input.role, tenant: null };
  }
  if (tenant === null || !TENANT_PATTERN.test(tenant)) {
    throw new BadRequestError(`a ${input.role} key needs a tenant (lower-case letters, digits and dashes)`, 'tenant');
  }
  return { name, role: input.role, tenant };
}

export class ApiKeyStore {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    readonly clock: () => number = Date.now,
  ) {}

  /** Issues a key. The returned `key` is the only time it exists in clear text. */
  async create(input: NewApiKey): Promise<{ key: string; info: ApiKeyInfo }> {
    const fields = validateNewKey(input);
    const key = generateApiKey();
    const hash = hashApiKey(key);
    const info: ApiKeyInfo = { id: `k${randomBytes(8).toString('hex')}`, ...fields, createdAt: this.clock(), revokedAt: null };
    const stored = { id: info.id, name: info.name, role: info.role, ...(info.tenant ? { tenant: info.tenant } : {}) };
    // Listing first: a crash between the two writes leaves a listed key that cannot
    // authenticate (harmless), never a working key that nobody can see or revoke.
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: LISTING_PK, sk: info.id, ...stored, hash, createdAt: info.createdAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: `K#${hash}`, sk: 'K', ...stored }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return { key, info };
  }

  /** Every key ever issued, revoked ones included (with `revokedAt`), oldest id first. */
  async list(): Promise<ApiKeyInfo[]> {
    return (await readPartition(this, LISTING_PK)).map(toInfo);
  }

  /**
   * Revokes a key: its hash item goes (authentication fails from the next request on) and the
   * listing keeps it with `revokedAt` for the audit trail. Revoking twice is a no-op.
   */
  async revoke(id: string): Promise<ApiKeyInfo> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: LISTING_PK, sk: id }, ConsistentRead: true }));
    if (!out.Item) throw new NotFoundError(`API key ${id} not found`);
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: `K#${out.Item.hash as string}`, sk: 'K' } }));
    try {
      const updated = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: LISTING_PK, sk: id },
          UpdateExpression: 'SET revokedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: { ':now': this.clock() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toInfo(updated.Attributes!);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return toInfo(out.Item);
    }
  }

  /** The principal of a key, or null for an unknown or revoked one. */
  async authenticate(key: string): Promise<Principal | null> {
    return looksLikeApiKey(key) ? this.principalOfHash(hashApiKey(key)) : null;
  }

  /**
   * The principal of the key with this hash (what a monitor session holds), or null once it is
   * revoked. A strongly consistent read, so a revoke holds at once.
   */
  async principalOfHash(hash: string): Promise<Principal | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `K#${hash}`, sk: 'K' }, ConsistentRead: true }));
    const item = out.Item;
    if (!item || !isRole(item.role)) return null;
    return { keyId: item.id as string, name: item.name as string, role: item.role, tenant: (item.tenant as string | undefined) ?? null };
  }
}

function toInfo(item: Record<string, unknown>): ApiKeyInfo {
  return {
    id: item.id as string,
    name: item.name as string,
    role: item.role as Role,
    tenant: (item.tenant as string | undefined) ?? null,
    createdAt: item.createdAt as number,
    revokedAt: (item.revokedAt as number | undefined) ?? null,
  };
}
