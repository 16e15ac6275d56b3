/** The breakages issue 19 names: what each removes, where, and the tests that must catch it. */
export interface Breakage {
  id: string;
  what: string;
  file: string;
  /** Every occurrence is replaced; `times` says how many there must be, so a moved line is noticed. */
  find: string;
  replace: string;
  times: number;
  tests: string[];
}

export const BREAKAGES: Breakage[] = [
  {
    id: 'version-conditions',
    what: 'every version condition of the operations dropped (stop, cancel, resume, restart write whatever the job became)',
    file: 'packages/core/src/engine/operations.ts',
    find: ', atVersion(record.version)',
    replace: '',
    times: 5,
    tests: ['test/engine/races.test.ts', 'test/engine/operation-steps.test.ts'],
  },
  {
    id: 'virtual-time-charging',
    what: 'a slice’s time never charged to its root, so a busy root keeps its place in its lane',
    file: 'packages/core/src/engine/dispatcher.ts',
    find: 'async charge(job: { id: string; rootId: string }, lane: Lane, ms: number): Promise<LaneEntry | undefined> {',
    replace: 'async charge(job: { id: string; rootId: string }, lane: Lane, ms: number): Promise<LaneEntry | undefined> {\n    return undefined;',
    times: 1,
    tests: ['test/engine/fairness.test.ts'],
  },
  {
    id: 'lane-entry-at-least',
    what: 'a new root entering its lane at virtual time 0, ahead of the roots waiting, not at the least',
    file: 'packages/core/src/engine/dispatch-specs.ts',
    find: 'return Math.max(own ?? 0, laneHead);',
    replace: 'return own ?? 0;',
    times: 1,
    tests: ['test/engine/fairness.test.ts'],
  },
  {
    id: 'tree-first-shard-only',
    what: 'a tree’s pump reading only the first shard of its ready set and in-flight entries, so children in the other three wait for ever and the bound counts a quarter of the slots',
    file: 'packages/core/src/store/table-keys.ts',
    find: '(tree ? rootShards : [0])',
    replace: '(tree ? [0] : [0])',
    times: 1,
    tests: ['test/engine/root-shards.test.ts'],
  },
  {
    id: 'tree-charges-elsewhere-lost',
    what: 'a tree sorted in its lane by its first lane item alone, which takes none of its children’s charges',
    file: 'packages/core/src/engine/dispatcher.ts',
    find: 'return [...vtimes.values()].reduce((sum, vtime) => sum + vtime, 0);',
    replace: 'return 0;',
    times: 1,
    tests: ['test/engine/root-shards.test.ts'],
  },
  {
    id: 'finished-step-again',
    what: 'a step’s stored checkpoint ignored, so a replay runs a finished step again',
    file: 'packages/core/src/engine/job-run.ts',
    find: 'this.#names.step(name);\n    const stored = this.checkpoints.get(name);',
    replace: 'this.#names.step(name);\n    const stored = undefined as Checkpoint | undefined;',
    times: 1,
    // Duplicate delivery and force stop (fencing), a kill at each crash point, and the replay itself.
    tests: ['test/engine/fencing.test.ts', 'test/crash/crash-points.test.ts', 'test/engine/job-run.test.ts'],
  },
];

/** The source with the breakage applied; throws when the code it breaks is not there as often as expected. */
export function applyBreakage(source: string, breakage: Breakage): string {
  const around = source.split(breakage.find);
  if (around.length - 1 !== breakage.times) {
    throw new Error(
      `${breakage.id}: expected ${breakage.times} of ${JSON.stringify(breakage.find)} in ${breakage.file}, found ${around.length - 1}; update test/breakages/breakages.ts`,
    );
  }
  return around.join(breakage.replace);
}
