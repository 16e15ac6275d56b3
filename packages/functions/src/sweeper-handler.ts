import type { Engine, SweepReport } from '@stint/core';

/** The scheduled sweeper: recovers expired leases, lost dispatches and unsettled parents. */
export function createSweeperHandler(engine: Engine, onReport?: (report: SweepReport) => void) {
  return async (): Promise<SweepReport> => {
    const report = await engine.sweep();
    onReport?.(report);
    return report;
  };
}
