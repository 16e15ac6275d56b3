import { describe, expect, it } from 'vitest';
import { isInstallationJob } from './job-access.ts';
import { defineJob } from './job-definition.ts';

const run = async () => undefined;

describe('defineJob access', () => {
  it('defaults to any writer and no intake: other services reach a type only when its author says so', () => {
    expect(defineJob({ type: 'PLAIN', run }).access).toEqual({ submit: 'tenant-admin', intake: false });
  });

  it('keeps what the author declares', () => {
    expect(defineJob({ type: 'CLEANUP', access: { submit: 'admin' }, run }).access).toEqual({ submit: 'admin', intake: false });
    expect(defineJob({ type: 'FROM_ORDERS', access: { intake: true }, run }).access).toEqual({ submit: 'tenant-admin', intake: true });
  });

  it('refuses a role that does not exist, at startup', () => {
    expect(() => defineJob({ type: 'BAD', access: { submit: 'viewer' as never }, run })).toThrow(
      'access.submit of BAD must be one of admin, tenant-admin, internal',
    );
    expect(() => defineJob({ type: 'BAD', access: { intake: 'yes' as never }, run })).toThrow('access.intake of BAD must be true or false');
  });

  it('declares an internal type, which intake cannot also reach', () => {
    expect(defineJob({ type: 'WALK', access: { submit: 'internal' }, run }).access).toEqual({ submit: 'internal', intake: false });
    expect(() => defineJob({ type: 'WALK', access: { submit: 'internal', intake: true }, run })).toThrow(
      'access.intake of WALK must be false: the type is internal',
    );
  });

  it('tells an installation job from a tenant’s by its tenant', () => {
    expect(isInstallationJob({ tenant: '_admin' })).toBe(true);
    expect(isInstallationJob({ tenant: 'acme' })).toBe(false);
  });
});
