import type { TenantScope } from '../auth/tenant-scope.ts';
import type { Operation } from '../lifecycle.ts';
import type { MonitorReader } from '../query/monitor-reader.ts';

/**
 * What the monitor's system jobs use of the engine that runs them: its reader, to find the
 * jobs a filter matches, and its operations. The engine passes itself; naming only this much
 * keeps system-jobs from importing the engine, which imports them.
 */
export interface SystemJobEngine {
  readonly monitor: Pick<MonitorReader, 'jobs' | 'jobPages'>;
  apply(operation: Operation, id: string, scope: TenantScope): Promise<unknown>;
}
