import { RESORT_EVERY_MS } from '@stint/core';
import type { Scope } from './key-classes.ts';

/**
 * Projected throughput ceilings from the hot-key meter's counts. Pure.
 *
 * DynamoDB serves at most about 1,000 write units and 3,000 read units per second on one
 * partition key, of the table and of each index alike. A key that took `w` write units while
 * `n` jobs went through it caps those jobs at 1,000 · n / w per second, and likewise for reads;
 * the hottest key of a class is the one that caps soonest.
 */
export const PARTITION_LIMITS = { writeUnitsPerSecond: 1_000, readUnitsPerSecond: 3_000 } as const;

/**
 * Writes the engine paces by time rather than by job: a root's re-sort in its lane, at most
 * once per RESORT_EVERY_MS whatever its children's rate. Counted per job, they would cap a key
 * by how slowly the bench ran (the fewer jobs a second, the more re-sorts each); at any rate
 * they take at most this many writes a second of the key's limit, which is what is held back.
 */
export const PACED_WRITES_PER_SECOND = 1_000 / RESORT_EVERY_MS;

/** What one partition key took during a bench scenario. */
export interface KeyLoad {
  /** `table` or the index name. */
  index: string;
  key: string;
  class: string;
  scope: Scope;
  /** A key of a class sharded by root (key-classes.ts): in a one-root scenario it is that root's alone. */
  pinnedToRoot?: true;
  /** Besides its per-job writes, the paced writes it took (PACED_WRITES_PER_SECOND) and their units. */
  pacedWrites?: number;
  pacedWriteUnits?: number;
  writeUnits: number;
  readUnits: number;
}

export interface Scenario {
  name: string;
  loads: readonly KeyLoad[];
  /**
   * How many jobs went through one key of each scope: every job of the run for
   * `installation`, one tenant's for `tenant`, one root's children for `root`. A scope left
   * out is not measured by the scenario, and its keys bound none of its ceilings.
   */
  jobsPer: Partial<Record<Scope, number>>;
  measures: ReadonlyArray<keyof Ceilings>;
  /**
   * All the scenario's jobs are one tree: its keys pinned to a root say nothing of how many
   * jobs the shards take together, so they bound only the root's ceiling.
   */
  oneRoot?: boolean;
}

export interface HotKey extends KeyLoad {
  scenario: string;
  writeUnitsPerJob: number;
  readUnitsPerJob: number;
  /** Jobs per second the key allows, and which of its limits binds. */
  jobsPerSecond: number;
  boundBy: 'write' | 'read';
}

export interface Ceiling {
  perSecond: number;
  /** The key that sets it; undefined when no key of the scopes was touched. */
  limitedBy?: Pick<HotKey, 'scenario' | 'index' | 'class' | 'key' | 'boundBy'>;
}

export interface Ceilings {
  /** Jobs per second for the whole installation: keys every tenant shares. */
  jobsPerSecondPerInstallation: Ceiling;
  /** Jobs per second for one tenant: those keys and the tenant's own. */
  jobsPerSecondPerTenant: Ceiling;
  /** Children per second under one root: all of the above and the tree's own keys. */
  childrenPerSecondPerRoot: Ceiling;
}

/** The scopes whose keys bound each ceiling. */
export const CEILING_SCOPES: Record<keyof Ceilings, readonly Scope[]> = {
  jobsPerSecondPerInstallation: ['installation'],
  jobsPerSecondPerTenant: ['installation', 'tenant'],
  childrenPerSecondPerRoot: ['installation', 'tenant', 'root'],
};

/** What one key allows when `jobs` went through it: its limit less its paced writes at their most, over its units per job. */
export function keyCeiling(load: Pick<KeyLoad, 'writeUnits' | 'readUnits' | 'pacedWrites' | 'pacedWriteUnits'>, jobs: number) {
  const writeUnitsPerJob = load.writeUnits / jobs;
  const readUnitsPerJob = load.readUnits / jobs;
  const paced = load.pacedWrites ? ((load.pacedWriteUnits ?? 0) / load.pacedWrites) * PACED_WRITES_PER_SECOND : 0;
  const writeLimit = PARTITION_LIMITS.writeUnitsPerSecond - paced;
  const byWrite = writeUnitsPerJob > 0 ? writeLimit / writeUnitsPerJob : Number.POSITIVE_INFINITY;
  const byRead = readUnitsPerJob > 0 ? PARTITION_LIMITS.readUnitsPerSecond / readUnitsPerJob : Number.POSITIVE_INFINITY;
  return { writeUnitsPerJob, readUnitsPerJob, jobsPerSecond: Math.min(byWrite, byRead), boundBy: byRead < byWrite ? ('read' as const) : ('write' as const) };
}

/** The hottest key of each class (per index) a scenario measured, the tightest first. */
export function hottestPerClass(scenario: Scenario): HotKey[] {
  const hottest = new Map<string, HotKey>();
  for (const load of scenario.loads) {
    const jobs = scenario.jobsPer[load.scope];
    if (jobs === undefined || jobs <= 0) continue;
    // A key that took no units (a read of an empty partition) bounds nothing: no row for it.
    if (load.writeUnits === 0 && load.readUnits === 0) continue;
    const hot: HotKey = { ...load, scenario: scenario.name, ...keyCeiling(load, jobs) };
    const id = `${load.index} ${load.class}`;
    const seen = hottest.get(id);
    if (!seen || hot.jobsPerSecond < seen.jobsPerSecond) hottest.set(id, hot);
  }
  return [...hottest.values()].sort((a, b) => a.jobsPerSecond - b.jobsPerSecond);
}

/** The three ceilings over every scenario: each is the tightest key of its scopes in any scenario that measures it. */
export function projectCeilings(scenarios: readonly Scenario[]): Ceilings {
  const ceiling = (name: keyof Ceilings): Ceiling => {
    const scopes = CEILING_SCOPES[name];
    let best: Ceiling = { perSecond: Number.POSITIVE_INFINITY };
    for (const scenario of scenarios) {
      if (!scenario.measures.includes(name)) continue;
      for (const hot of hottestPerClass(scenario)) {
        if (!scopes.includes(hot.scope) || hot.jobsPerSecond >= best.perSecond) continue;
        if (scenario.oneRoot && hot.pinnedToRoot && name !== 'childrenPerSecondPerRoot') continue;
        best = { perSecond: hot.jobsPerSecond, limitedBy: { scenario: hot.scenario, index: hot.index, class: hot.class, key: hot.key, boundBy: hot.boundBy } };
      }
    }
    return best;
  };
  return {
    jobsPerSecondPerInstallation: ceiling('jobsPerSecondPerInstallation'),
    jobsPerSecondPerTenant: ceiling('jobsPerSecondPerTenant'),
    childrenPerSecondPerRoot: ceiling('childrenPerSecondPerRoot'),
  };
}
