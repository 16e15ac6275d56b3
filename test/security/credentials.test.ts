import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, PutCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiSecrets } from '@stint/core/auth/api-secrets';
import { Authenticator } from '@stint/core/auth/authenticator';
import { ApiKeyStore, hashApiKey } from '@stint/core/auth/key-store';
import { runKeysCommand } from '@stint/core/auth/keys-command';
import type { OidcVerifier } from '@stint/core/auth/oidc';
import { TenantDirectory } from '@stint/core/auth/tenant-directory';
import { tableDefinition } from '@stint/core/store/table-definition';
import { emulatorClients, startEmulators, uniqueName, type Emulators } from '../support/stack.ts';
import { startSecretsManagerFake } from '../support/secrets-manager.ts';

/**
 * The credential layer below the api: API keys in the table, the authenticator that turns a
 * header into a principal, the tenant directory and the keys command. The api's own tests
 * (test/api/auth.test.ts) go through HTTP; these pin what each piece answers, message by
 * message, so a changed rule fails here. One dynalite is enough: nothing here is emulator-specific.
 */
let emulators: Emulators;
const clients = () => emulatorClients(emulators);
/**
 * A table of its own per test, so listings and directories hold only what the test wrote. Only
 * the table: no queue or bucket is used here, and mutation runs repeat this setup per mutant.
 */
const newTable = async () => {
  const tableName = uniqueName('creds');
  await clients().dynamo.send(new CreateTableCommand(tableDefinition(tableName)));
  return tableName;
};

beforeAll(async () => {
  emulators = await startEmulators({ dynamo: 'dynalite' });
});
afterAll(async () => {
  await emulators?.stop();
});

/** A client that records each Query's input: what a read asked for, which no emulator shows (consistency, projection). */
function recordingQueries() {
  const client = clients().dynamo;
  const queries: QueryCommandInput[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand') queries.push(args.input as QueryCommandInput);
      return next(args);
    },
    { step: 'initialize', name: 'recordQueries' },
  );
  return { client, queries };
}

const CREATED = Date.UTC(2026, 0, 2, 3, 4, 5);
const REVOKED = Date.UTC(2026, 0, 3);

describe('ApiKeyStore', () => {
  it('issues a key stored only as its hash, lists it, and revokes it once', async () => {
    const tableName = await newTable();
    let now = CREATED;
    const keys = new ApiKeyStore(clients().dynamo, tableName, () => now);
    const { key, info } = await keys.create({ name: ' ops ', role: 'viewer', tenant: 'acme' });
    expect(info).toEqual({ id: expect.stringMatching(/^k[0-9a-f]{16}$/), name: 'ops', role: 'viewer', tenant: 'acme', createdAt: CREATED, revokedAt: null });

    const raw = async (pk: string, sk: string) => (await clients().dynamo.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }))).Item;
    const hash = hashApiKey(key);
    expect(await raw(`K#${hash}`, 'K')).toEqual({ pk: `K#${hash}`, sk: 'K', id: info.id, name: 'ops', role: 'viewer', tenant: 'acme' });
    expect(await raw('KEYS', info.id)).toEqual({ pk: 'KEYS', sk: info.id, id: info.id, name: 'ops', role: 'viewer', tenant: 'acme', hash, createdAt: CREATED });
    expect(await keys.authenticate(key)).toEqual({ keyId: info.id, name: 'ops', role: 'viewer', tenant: 'acme' });
    expect(await keys.list()).toEqual([info]);

    now = REVOKED;
    expect(await keys.revoke(info.id)).toEqual({ ...info, revokedAt: REVOKED });
    expect(await raw(`K#${hash}`, 'K')).toBeUndefined();
    expect(await keys.authenticate(key)).toBeNull();
    // A second revoke changes nothing: the first revocation time stays on record.
    now = REVOKED + 1_000;
    expect(await keys.revoke(info.id)).toEqual({ ...info, revokedAt: REVOKED });
    expect(await keys.list()).toEqual([{ ...info, revokedAt: REVOKED }]);
    await expect(keys.revoke('k0000000000000000')).rejects.toMatchObject({ code: 'notFound', message: 'API key k0000000000000000 not found' });
  });

  it('stores an admin key without a tenant, and lists keys in id order', async () => {
    const tableName = await newTable();
    const { client, queries } = recordingQueries();
    const keys = new ApiKeyStore(client, tableName, () => CREATED);
    const admin = await keys.create({ name: 'root', role: 'admin' });
    const viewer = await keys.create({ name: 'eyes', role: 'viewer', tenant: 'acme' });
    const item = (await clients().dynamo.send(new GetCommand({ TableName: tableName, Key: { pk: `K#${hashApiKey(admin.key)}`, sk: 'K' } }))).Item;
    expect(item).not.toHaveProperty('tenant');
    expect(await keys.authenticate(admin.key)).toEqual({ keyId: admin.info.id, name: 'root', role: 'admin', tenant: null });
    expect((await keys.list()).map((k) => k.id)).toEqual([admin.info.id, viewer.info.id].sort());
    expect((await keys.list()).find((k) => k.id === admin.info.id)).toEqual({ ...admin.info, tenant: null });
    // Strongly consistent: a key just issued or revoked shows so in the next listing.
    expect(queries.map((query) => query.ConsistentRead)).toEqual([true, true]);
  });

  it('authenticates nothing from a token that is not a key, nor from an item with an unknown role', async () => {
    const tableName = await newTable();
    const keys = new ApiKeyStore(clients().dynamo, tableName);
    expect(await keys.authenticate('not-a-key')).toBeNull();
    const key = 'stint_hand-written-item';
    await clients().dynamo.send(new PutCommand({ TableName: tableName, Item: { pk: `K#${hashApiKey(key)}`, sk: 'K', id: 'kx', name: 'x', role: 'owner' } }));
    expect(await keys.authenticate(key)).toBeNull();
  });
});

describe('Authenticator', () => {
  const ADMIN_TOKEN = 'bootstrap-token-0123456789';
  let keys: ApiKeyStore;
  let key: string;
  let keyId: string;
  beforeAll(async () => {
    keys = new ApiKeyStore(clients().dynamo, await newTable());
    ({
      key,
      info: { id: keyId },
    } = await keys.create({ name: 'ci', role: 'tenant-admin', tenant: 'acme' }));
  });
  const oidc: OidcVerifier = async (token) => ({
    principal: { keyId: `oidc:${token.split('.')[0]}`, name: 'Ada', role: 'viewer', tenant: 'acme' },
    expiresAt: 1_234,
  });
  const refusal = (message = 'a valid API key or token is required') => expect.objectContaining({ code: 'unauthorized', message });

  it('knows the bootstrap admin token exactly, and only when one is configured', async () => {
    const auth = new Authenticator({ keys, adminToken: ADMIN_TOKEN });
    expect(await auth.identify(ADMIN_TOKEN)).toEqual({
      principal: { keyId: 'admin-token', name: 'bootstrap admin token', role: 'admin', tenant: null },
      credential: { kind: 'admin-token' },
    });
    await expect(auth.identify(`${ADMIN_TOKEN}x`)).rejects.toThrow(refusal());
    await expect(new Authenticator({ keys, adminToken: null }).identify(ADMIN_TOKEN)).rejects.toThrow(refusal());
  });

  it('identifies an API key by its hash, and refuses an unknown one by name', async () => {
    const auth = new Authenticator({ keys, adminToken: ADMIN_TOKEN });
    expect(await auth.identify(key)).toEqual({
      principal: { keyId, name: 'ci', role: 'tenant-admin', tenant: 'acme' },
      credential: { kind: 'key', hash: hashApiKey(key) },
    });
    await expect(auth.identify(`${key}0`)).rejects.toThrow(refusal('unknown or revoked API key'));
  });

  it('hands a JWT to the OIDC verifier, and only a JWT, only when OIDC is on', async () => {
    const auth = new Authenticator({ keys, oidc });
    expect(await auth.identify('aa.bb.cc')).toEqual({
      principal: { keyId: 'oidc:aa', name: 'Ada', role: 'viewer', tenant: 'acme' },
      credential: { kind: 'oidc', expiresAt: 1_234 },
    });
    await expect(auth.identify('not a jwt')).rejects.toThrow(refusal());
    await expect(new Authenticator({ keys }).identify('aa.bb.cc')).rejects.toThrow(refusal());
  });

  it.each([
    ['Bearer', { authorization: `Bearer ${'KEY'}` }],
    ['a lower-case scheme and extra spaces', { authorization: `bearer   ${'KEY'}  ` }],
    ['X-Api-Key, trimmed', { apiKey: ` ${'KEY'}\n` }],
    ['X-Api-Key beside a header of another scheme', { authorization: 'Basic dXNlcjpwdw==', apiKey: 'KEY' }],
  ])('reads the key from %s', async (_, headers) => {
    const auth = new Authenticator({ keys });
    const withKey = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value.replace('KEY', key)]));
    expect(await auth.authenticate(withKey)).toEqual({ keyId, name: 'ci', role: 'tenant-admin', tenant: 'acme' });
  });

  it.each([
    ['no header', {}],
    ['an empty X-Api-Key', { apiKey: '   ' }],
    ['a bare scheme', { authorization: 'Bearer ' }],
    ['two tokens', { authorization: `Bearer ${'KEY'} ${'KEY'}` }],
    ['text before the scheme', { authorization: `x Bearer ${'KEY'}` }],
    ['no space after the scheme', { authorization: `Bearer${'KEY'}` }],
  ])('refuses %s with the one 401', async (_, headers) => {
    const auth = new Authenticator({ keys, adminToken: ADMIN_TOKEN });
    const withKey = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, (value as string).replace(/KEY/g, key)]));
    await expect(auth.authenticate(withKey)).rejects.toThrow(refusal());
  });
});

describe('TenantDirectory', () => {
  it('remembers each tenant once, lists them in name order and pages after a name', async () => {
    const tableName = await newTable();
    const { client, queries } = recordingQueries();
    let puts = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName?.startsWith('Put')) puts++;
        return next(args);
      },
      { step: 'initialize', name: 'countPuts' },
    );
    const directory = new TenantDirectory(client, tableName);
    for (const tenant of ['globex', 'acme', 'globex', 'initech', 'acme']) await directory.remember(tenant);
    // The process remembers what it wrote: the steady state costs no write.
    expect(puts).toBe(3);
    expect(await directory.list()).toEqual(['acme', 'globex', 'initech']);
    // The directory is read as sort keys only.
    expect(queries.at(-1)?.ProjectionExpression).toBe('sk');
    expect(await directory.page(undefined, 2)).toEqual(['acme', 'globex']);
    expect(await directory.page('acme', 5)).toEqual(['globex', 'initech']);
    expect(await directory.page('initech', 5)).toEqual([]);

    // A tenant another process wrote is known once listed: remembering it writes nothing.
    await new TenantDirectory(clients().dynamo, tableName).remember('umbrella');
    const fresh = new TenantDirectory(client, tableName);
    expect(await fresh.list()).toEqual(['acme', 'globex', 'initech', 'umbrella']);
    await fresh.remember('umbrella');
    expect(puts).toBe(3);
  });
});

describe('keys command', () => {
  const run = async (argv: string[], keys: ApiKeyStore) => {
    const lines: string[] = [];
    const code = await runKeysCommand(argv, keys, { out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`) });
    return { code, lines };
  };

  it('prints each key on one line, and the key itself only when created', async () => {
    let now = CREATED;
    const keys = new ApiKeyStore(clients().dynamo, await newTable(), () => now);
    expect(await run(['list'], keys)).toEqual({ code: 0, lines: ['no keys'] });
    const scoped = await run(['create', '--name', 'ops', '--role', 'viewer', '--tenant', 'acme'], keys);
    expect(scoped.lines[0]).toMatch(/^created k[0-9a-f]{16} {2}viewer {2}tenant=acme {2}"ops" {2}created 2026-01-02T03:04:05.000Z$/);
    await keys.revoke((await keys.list())[0]!.id);
    const created = await run(['create', '--name', 'root', '--role', 'admin'], keys);
    expect(created.code).toBe(0);
    const id = (await keys.list()).find((k) => k.role === 'admin')?.id;
    expect(created.lines).toEqual([
      `created ${id}  admin  tenant=*  "root"  created 2026-01-02T03:04:05.000Z`,
      expect.stringMatching(/^key: stint_[A-Za-z0-9_-]{43}$/),
      'store it now: it is not shown again and cannot be recovered',
    ]);
    now = REVOKED;
    expect(await run(['revoke', id!], keys)).toEqual({
      code: 0,
      lines: [`revoked ${id}  admin  tenant=*  "root"  created 2026-01-02T03:04:05.000Z  revoked 2026-01-03T00:00:00.000Z`],
    });
    expect((await run(['list'], keys)).lines).toContain(`${id}  admin  tenant=*  "root"  created 2026-01-02T03:04:05.000Z  revoked 2026-01-03T00:00:00.000Z`);
  });

  it.each([
    [[], 0, 'usage: npm run keys -- <command>'],
    [['help'], 0, 'usage: npm run keys -- <command>'],
    [['--help'], 0, 'usage: npm run keys -- <command>'],
    [['revoke'], 2, 'revoke takes exactly one key id'],
    [['revoke', 'k1', 'k2'], 2, 'revoke takes exactly one key id'],
    [['list', '--all'], 2, "Unknown option '--all'"],
    [['create', '--name', 'x', '--role', 'viewer'], 2, 'a viewer key needs a tenant (lower-case letters, digits and dashes)'],
    [['revoke', 'k404'], 1, 'API key k404 not found'],
    [['revoke', 'k1', '--force'], 2, "Unknown option '--force'"],
    [['create', '--colour', 'red'], 2, "Unknown option '--colour'"],
    [['create', '--role', 'admin'], 2, 'name must be 1 to 100 characters'],
    [['rotate'], 2, 'usage: npm run keys -- <command>'],
  ])('%j exits %i', async (argv, code, first) => {
    const { code: exit, lines } = await run(argv, new ApiKeyStore(clients().dynamo, await newTable()));
    expect(exit).toBe(code);
    expect(lines[0]?.startsWith(`ERR ${first}`)).toBe(true);
  });

  it('prints the whole usage', async () => {
    expect((await run(['help'], new ApiKeyStore(clients().dynamo, 'unused'))).lines).toEqual([
      [
        'ERR usage: npm run keys -- <command>',
        '  create --name <name> --role <admin|tenant-admin|viewer> [--tenant <tenant>]',
        '                      issues a key and prints it once; only its hash is stored',
        '  list                every key with its role, tenant and revocation time',
        '  revoke <id>         the key stops working at once',
      ].join('\n'),
    ]);
  });

  it('lets a failure that is not the input’s (no table, no network) surface whole', async () => {
    await expect(run(['list'], new ApiKeyStore(clients().dynamo, uniqueName('missing')))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    // A network error carries a Node error code; only the argument parser's codes are input problems.
    const nowhere = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    );
    await expect(run(['list'], new ApiKeyStore(nowhere, 'any'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('loadApiSecrets', () => {
  it('reads both secrets by their trimmed ids through Secrets Manager, or only the session secret', async () => {
    const fake = await startSecretsManagerFake({ 'session-id': ` ${'s'.repeat(40)} `, 'admin-id': 'a'.repeat(20) });
    try {
      const client = new SecretsManagerClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      const env = { STINT_SESSION_SECRET_ID: ' session-id ', STINT_ADMIN_TOKEN_SECRET_ID: 'admin-id\n' };
      expect(await loadApiSecrets(client, env)).toEqual({ sessionSecret: 's'.repeat(40), adminToken: 'a'.repeat(20) });
      expect(await loadApiSecrets(client, { STINT_SESSION_SECRET_ID: 'session-id', STINT_ADMIN_TOKEN_SECRET_ID: ' ' })).toEqual({
        sessionSecret: 's'.repeat(40),
        adminToken: null,
      });
      expect(fake.requested).toEqual(['session-id', 'admin-id', 'session-id']);
      await expect(loadApiSecrets(client, { STINT_SESSION_SECRET_ID: 'admin-id' })).rejects.toMatchObject({
        code: 'badRequest',
        message: 'the secret named by STINT_SESSION_SECRET_ID must hold a text value of at least 32 characters',
      });
    } finally {
      await fake.stop();
    }
  });
});
