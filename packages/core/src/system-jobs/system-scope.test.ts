import { describe, expect, it } from 'vitest';
import { ADMIN_TENANT } from '../auth/principal.ts';
import { systemJobScope } from './system-scope.ts';

describe('systemJobScope', () => {
  it('reaches every tenant only from the admin tenant, which no key or submission can name', () => {
    expect(systemJobScope(ADMIN_TENANT)).toEqual({ allTenants: true });
    expect(systemJobScope('acme')).toEqual({ tenant: 'acme' });
    expect(systemJobScope('default')).toEqual({ tenant: 'default' });
  });
});
