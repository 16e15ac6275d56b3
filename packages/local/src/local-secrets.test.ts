import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLocalSecrets, SESSION_SECRET_FILE } from './local-secrets.ts';

let dataDir: string;
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the local stack’s secrets', () => {
  it('make a session secret on the first start, readable by its owner only, and keep it', () => {
    dataDir = mkdtempSync(join(tmpdir(), 'stint-secrets-'));
    const first = loadLocalSecrets({ dataDir, adminToken: 'local-admin-token-0123456789' });
    expect(first.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.adminToken).toBe('local-admin-token-0123456789');
    expect(statSync(join(dataDir, SESSION_SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(loadLocalSecrets({ dataDir, adminToken: 'another-token-0123456789' }).sessionSecret).toBe(first.sessionSecret);
    expect(readFileSync(join(dataDir, SESSION_SECRET_FILE), 'utf8')).toBe(first.sessionSecret);
  });

  it('refuse a secret file too short to sign with', () => {
    dataDir = mkdtempSync(join(tmpdir(), 'stint-secrets-'));
    writeFileSync(join(dataDir, SESSION_SECRET_FILE), 'short');
    expect(() => loadLocalSecrets({ dataDir, adminToken: 'x'.repeat(20) })).toThrow(expect.objectContaining({ code: 'badRequest' }));
  });
});
