import { createHash, randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BadRequestError, NotFoundError } from '../errors.ts';
import { TableGateway } from '../store/table-gateway.ts';
import { API_KEY_LISTING, apiKeyKey, apiKeyListingKey } from '../store/table-keys.ts';
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
  readonly #table: TableGateway;

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    readonly clock: () => number = Date.now,
  ) {
    this.#table = new TableGateway(client, tableName);
  }

  /** Issues a key. The returned `key` is the only time it exists in clear text. */
  async create(input: NewApiKey): Promise<{ key: string; info: ApiKeyInfo }> {
    const fields = validateNewKey(input);
    const key = generateApiKey();
    const hash = hashApiKey(key);
    const info: ApiKeyInfo = { id: `k${randomBytes(8).toString('hex')}`, ...fields, createdAt: this.clock(), revokedAt: null };
    const stored = { id: info.id, name: info.name, role: info.role, ...(info.tenant ? { tenant: info.tenant } : {}) };
    // Listing first: a crash between the two writes leaves a listed key that cannot
    // authenticate (harmless), never a working key that nobody can see or revoke.
    // Both keys are random, so neither put can find an item in its place.
    await this.#table.putIfAbsent({ ...apiKeyListingKey(info.id), ...stored, hash, createdAt: info.createdAt });
    await this.#table.putIfAbsent({ ...apiKeyKey(hash), ...stored });
    return { key, info };
  }

  /** Every key ever issued, revoked ones included (with `revokedAt`), oldest id first. */
  async list(): Promise<ApiKeyInfo[]> {
    return (await this.#table.queryPartitionAll(API_KEY_LISTING, '', { consistent: true })).map(toInfo);
  }

  /**
   * Revokes a key: its hash item goes (authentication fails from the next request on) and the
   * listing keeps it with `revokedAt` for the audit trail. Revoking twice is a no-op.
   */
  async revoke(id: string): Promise<ApiKeyInfo> {
    const listed = await this.#table.getItem(apiKeyListingKey(id));
    if (!listed) throw new NotFoundError(`API key ${id} not found`);
    await this.#table.delete(apiKeyKey(listed.hash as string));
    const updated = await this.#table.tryUpdateItem(apiKeyListingKey(id), {
      set: { revokedAt: this.clock() },
      condition: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
    });
    return toInfo(updated ?? listed);
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
    const item = await this.#table.getItem(apiKeyKey(hash));
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
