import type { CurrentJob, JobContext } from '@stint/sdk';
import type { JobRun } from './job-run.ts';

/** The context a job function sees: the job as it is, and the durable operations of its run. */
export function jobContext(run: JobRun): JobContext {
  const record = run.record;
  const job: CurrentJob = {
    id: record.id,
    type: record.type,
    label: record.label,
    tenant: record.tenant,
    rootId: record.rootId,
    parentId: record.parentId ?? null,
    runBy: record.runBy ?? null,
    lowPriority: record.lowPriority,
    createDate: record.createDate,
    startDate: record.startDate ?? null,
    attempt: record.attempt + 1,
  };
  return {
    job,
    data: record.data,
    signal: run.controller.signal,
    log: {
      info: (message, info) => run.log('INFO', message, info),
      error: (message, info) => run.log('ERROR', message, info),
    },
    step: (name, fn, options) => run.step(name, fn, options),
    progress: (percent) => run.reportProgress(percent),
    spawn: (type, data, options) => run.spawn(type, data, options),
    waitForChildren: () => run.waitForChildren(),
    sleep: (name, ms) => run.sleep(name, () => run.deps.clock() + ms),
    waitForEvent: (name, options) => run.waitForEvent(name, options.key, options.timeoutMs) as never,
    sleepUntil: (name, until) => run.sleep(name, () => (typeof until === 'number' ? until : until.getTime())),
    setResults: (results) => {
      run.results = results as Record<string, unknown>;
    },
    setResultFile: (key) => {
      run.resultFile = key;
    },
  };
}
