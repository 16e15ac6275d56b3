import { describe, expect, it } from 'vitest';
import { defaultIntakeBinding, parseIntakeBinding, tenantsOf } from './intake-binding.ts';

describe('intake binding', () => {
  const binding = parseIntakeBinding('{"*":["default"],"AROAORDERS":["acme"],"111122223333":["acme","globex"]}', 'STINT_INTAKE_TENANTS');

  it('binds a role by its unique id, whatever the session', () => {
    expect(tenantsOf(binding, 'AROAORDERS:orders-fn')).toEqual(['acme']);
    expect(tenantsOf(binding, 'AROAORDERS:i-0abc')).toEqual(['acme']);
  });

  it('gives an account or user its own list, and every other producer the * list', () => {
    expect(tenantsOf(binding, '111122223333')).toEqual(['acme', 'globex']);
    expect(tenantsOf(binding, 'AIDASOMEONE')).toEqual(['default']);
  });

  it('without a * entry, an unlisted producer may submit nowhere', () => {
    expect(tenantsOf({ AROAORDERS: ['acme'] }, 'AIDASOMEONE')).toEqual([]);
  });

  it('defaults to any producer into the default tenant only', () => {
    expect(defaultIntakeBinding('main')).toEqual({ '*': ['main'] });
  });

  it.each([
    ['not json', /must be JSON/],
    ['["acme"]', /expected record/i],
    ['{"*":"acme"}', /expected array/i],
    ['{"*":["Acme Corp"]}', /lower-case letters/],
    ['{"arn:aws:iam::1:role/x":["acme"]}', /role id/],
  ])('refuses %s naming the setting', (text, message) => {
    expect(() => parseIntakeBinding(text, 'STINT_DEPLOY_INTAKE_TENANTS')).toThrow(/STINT_DEPLOY_INTAKE_TENANTS/);
    expect(() => parseIntakeBinding(text, 'STINT_DEPLOY_INTAKE_TENANTS')).toThrow(message);
  });
});
