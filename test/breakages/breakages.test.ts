import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BREAKAGES, applyBreakage } from './breakages.ts';

describe('the named breakages (npm run breakages)', () => {
  it.each(BREAKAGES)('$id still finds the code it breaks, as often as it expects', (breakage) => {
    const source = readFileSync(breakage.file, 'utf8');
    const broken = applyBreakage(source, breakage);
    expect(broken).not.toBe(source);
    expect(broken.split(breakage.find).length - 1).toBe(breakage.replace.includes(breakage.find) ? breakage.times : 0);
  });

  it('refuses to apply a breakage whose code moved, naming it', () => {
    const [breakage] = BREAKAGES;
    expect(() => applyBreakage('nothing of it here', breakage!)).toThrow(`${breakage!.id}: expected ${breakage!.times} of`);
  });
});
