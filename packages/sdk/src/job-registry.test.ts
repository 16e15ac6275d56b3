import { describe, expect, it } from 'vitest';
import { defineJob, JobRegistry } from './index.ts';

const run = async () => undefined;
const IMPORT = defineJob({ type: 'IMPORT', run });
const EXPORT = defineJob({ type: 'EXPORT', run });
const CLEANUP = defineJob({ type: 'CLEANUP', run });

describe('JobRegistry', () => {
  it('knows no type when empty', () => {
    const registry = new JobRegistry();
    expect(registry.types()).toEqual([]);
    expect(registry.has('IMPORT')).toBe(false);
    expect(registry.get('IMPORT')).toBeUndefined();
  });

  it('finds each definition by its type, and nothing by another name', () => {
    const registry = new JobRegistry([IMPORT, EXPORT]);
    expect(registry.get('IMPORT')).toBe(IMPORT);
    expect(registry.get('EXPORT')).toBe(EXPORT);
    expect(registry.has('EXPORT')).toBe(true);
    expect(registry.has('export')).toBe(false);
    expect(registry.get('CLEANUP')).toBeUndefined();
  });

  it('lists its types in alphabetical order, whatever the order of registration', () => {
    expect(new JobRegistry([IMPORT, EXPORT]).register(CLEANUP).types()).toEqual(['CLEANUP', 'EXPORT', 'IMPORT']);
  });

  it('registers in a chain', () => {
    const registry = new JobRegistry();
    expect(registry.register(IMPORT).register(EXPORT)).toBe(registry);
  });

  it('refuses a type registered twice and keeps the first definition', () => {
    const registry = new JobRegistry([IMPORT]);
    const again = defineJob({ type: 'IMPORT', restartable: true, run });
    expect(() => registry.register(again)).toThrow(new TypeError('job type IMPORT is registered twice'));
    expect(registry.get('IMPORT')).toBe(IMPORT);
    expect(() => new JobRegistry([EXPORT, IMPORT, EXPORT])).toThrow(new TypeError('job type EXPORT is registered twice'));
  });

  it('returns a new list each time, so a caller cannot change what it holds', () => {
    const registry = new JobRegistry([IMPORT]);
    registry.types().push('FORGED');
    expect(registry.types()).toEqual(['IMPORT']);
    expect(registry.has('FORGED')).toBe(false);
  });
});
