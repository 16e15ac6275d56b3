import { describe, expect, it } from 'vitest';
import { hottestPerClass, keyCeiling, projectCeilings, type KeyLoad, type Scenario } from './ceilings.ts';

const load = (index: string, key: string, cls: string, scope: KeyLoad['scope'], writeUnits: number, readUnits = 0): KeyLoad => ({
  index,
  key,
  class: cls,
  scope,
  writeUnits,
  readUnits,
});

describe('keyCeiling', () => {
  it('divides the per-partition limits by the units each job took', () => {
    // 2,000 write units over 1,000 jobs: 2 per job, 1,000 / 2 = 500 jobs/s.
    expect(keyCeiling({ writeUnits: 2_000, readUnits: 0 }, 1_000)).toEqual({ writeUnitsPerJob: 2, readUnitsPerJob: 0, jobsPerSecond: 500, boundBy: 'write' });
  });

  it('binds by reads when reads run out first (3,000 read units a second against 1,000 writes)', () => {
    // 0.5 writes per job allow 2,000/s; 6 reads per job allow 500/s.
    expect(keyCeiling({ writeUnits: 50, readUnits: 600 }, 100)).toMatchObject({ jobsPerSecond: 500, boundBy: 'read' });
  });

  it('holds back a key’s paced writes at their most (10 a second) and counts only its other writes per job', () => {
    // 40 re-sorts of 1.5 units each: 15 units a second held back, 985 left; 200 units over 1,000
    // jobs are 0.2 per job → 4,925/s, where counting the re-sorts per job (0.26) would say 3,846/s.
    expect(keyCeiling({ writeUnits: 200, readUnits: 0, pacedWrites: 40, pacedWriteUnits: 60 }, 1_000)).toMatchObject({
      writeUnitsPerJob: 0.2,
      jobsPerSecond: 4_925,
    });
  });

  it('is unbounded for a key that took nothing', () => {
    expect(keyCeiling({ writeUnits: 0, readUnits: 0 }, 10).jobsPerSecond).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('hottestPerClass', () => {
  it('keeps the hottest key of each class and index, tightest first, and skips scopes the scenario does not measure and keys that took nothing', () => {
    const scenario: Scenario = {
      name: 's',
      jobsPer: { installation: 100, tenant: 50 },
      measures: ['jobsPerSecondPerInstallation', 'jobsPerSecondPerTenant'],
      loads: [
        load('gsi5', 'I#0', 'I#<shard>', 'installation', 20),
        load('gsi5', 'I#1', 'I#<shard>', 'installation', 40),
        load('table', 'T#a', 'T#<tenant>', 'tenant', 100),
        load('table', 'T#b', 'T#<tenant>', 'tenant', 10),
        load('gsi5', 'R#normal#x', 'R#<lane>#<root>', 'root', 500),
        load('gsi5', 'Q#low', 'Q#<lane>', 'installation', 0),
      ],
    };
    const hot = hottestPerClass(scenario);
    expect(hot.map((h) => [h.key, h.jobsPerSecond])).toEqual([
      // T#a: 100 units / 50 jobs of its tenant = 2 per job → 500/s.
      ['T#a', 500],
      // I#1: 40 units / 100 jobs = 0.4 per job → 2,500/s.
      ['I#1', 2_500],
    ]);
  });
});

describe('projectCeilings', () => {
  const engine: Scenario = {
    name: 'engine',
    jobsPer: { installation: 1_000, tenant: 1_000 },
    measures: ['jobsPerSecondPerInstallation', 'jobsPerSecondPerTenant'],
    loads: [load('gsi5', 'I#3', 'I#<shard>', 'installation', 250), load('table', 'T#bench', 'T#<tenant>', 'tenant', 2_500)],
  };
  const tenants: Scenario = {
    name: 'tenants',
    jobsPer: { installation: 1_000, tenant: 20 },
    measures: ['jobsPerSecondPerInstallation', 'jobsPerSecondPerTenant'],
    loads: [load('gsi5', 'I#1', 'I#<shard>', 'installation', 400), load('table', 'T#t07', 'T#<tenant>', 'tenant', 100)],
  };
  const fanOut: Scenario = {
    name: 'fan-out',
    jobsPer: { installation: 2_000, tenant: 2_000, root: 2_000 },
    measures: ['jobsPerSecondPerInstallation', 'jobsPerSecondPerTenant', 'childrenPerSecondPerRoot'],
    oneRoot: true,
    loads: [
      // One tree sits in one in-flight shard: 4,000 units over 2,000 children, 500/s — a root's bound, not the installation's.
      { ...load('gsi5', 'I#6', 'I#<shard>', 'installation', 4_000), pinnedToRoot: true },
      // The lane every root shares: 1.2 per child, 833/s for the whole installation.
      load('gsi5', 'Q#normal', 'Q#<lane>', 'installation', 2_400),
      load('table', 'F#root', 'F#<root>', 'root', 1_000, 3_000),
      load('table', 'T#fan', 'T#<tenant>', 'tenant', 1_000),
    ],
  };

  it('takes the tightest key of the ceiling’s scopes over the scenarios that measure it', () => {
    // Installation: shared keys only. Engine I#3 0.25/job → 4,000/s; tenants I#1 0.4/job → 2,500/s;
    // the fan-out's Q#normal 1.2/child → 833/s (its I#6 is its root's alone).
    const installation = projectCeilings([engine, tenants, fanOut]).jobsPerSecondPerInstallation;
    expect(installation.limitedBy).toEqual({ scenario: 'fan-out', index: 'gsi5', class: 'Q#<lane>', key: 'Q#normal', boundBy: 'write' });
    expect(installation.perSecond).toBeCloseTo(833.33, 1);
    expect(projectCeilings([engine, tenants]).jobsPerSecondPerInstallation).toEqual({
      perSecond: 2_500,
      limitedBy: { scenario: 'tenants', index: 'gsi5', class: 'I#<shard>', key: 'I#1', boundBy: 'write' },
    });
    // Tenant: also T#<tenant>. Engine 2.5/job → 400/s; tenants T#t07 100/20 = 5/job → 200/s; fan-out 0.5 → 2,000/s.
    const ceilings = projectCeilings([engine, tenants, fanOut]);
    expect(ceilings.jobsPerSecondPerTenant.perSecond).toBe(200);
    expect(ceilings.jobsPerSecondPerTenant.limitedBy?.key).toBe('T#t07');
    // Root: every scope, the pinned shard included: I#6 2/child → 500/s beats F#root (0.5 W and 1.5 R per child → 2,000/s).
    expect(ceilings.childrenPerSecondPerRoot.perSecond).toBe(500);
    expect(ceilings.childrenPerSecondPerRoot.limitedBy?.key).toBe('I#6');
  });

  it('leaves a ceiling no scenario measures unbounded, naming no key', () => {
    expect(projectCeilings([engine]).childrenPerSecondPerRoot).toEqual({ perSecond: Number.POSITIVE_INFINITY });
  });
});
