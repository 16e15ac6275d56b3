import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provision } from '@stint/local/provision';
import { loadSessionSecret } from '@stint/web';
import { emulatorClients, startEmulators, uniqueName, type Emulators } from '../support/stack.ts';

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

describe('the monitor session secret of a deployment', () => {
  it('is generated once and shared by every api instance', async () => {
    const clients = emulatorClients(emulators);
    const { tableName } = await provision(clients, { tableName: uniqueName('secret'), bucketName: uniqueName('b'), queuePrefix: `${uniqueName('q')}-` });
    const [a, b] = await Promise.all([loadSessionSecret(clients.dynamo, tableName, {}), loadSessionSecret(clients.dynamo, tableName, {})]);
    expect(a).toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(await loadSessionSecret(clients.dynamo, tableName, {})).toBe(a);
  });

  it('comes from STINT_SESSION_SECRET when set, which must be long enough', async () => {
    const clients = emulatorClients(emulators);
    const secret = 'x'.repeat(40);
    expect(await loadSessionSecret(clients.dynamo, 'unused', { STINT_SESSION_SECRET: secret })).toBe(secret);
    await expect(loadSessionSecret(clients.dynamo, 'unused', { STINT_SESSION_SECRET: 'short' })).rejects.toThrow('at least 32');
  });
});
