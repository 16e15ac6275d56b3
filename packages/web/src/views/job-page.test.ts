import type { Job } from '@stint/core';
import { describe, expect, it } from 'vitest';
import { JobPage } from './job-page.tsx';

const JOB: Job = {
  id: 'j1',
  type: 'NAPPER',
  label: 'a napping job',
  status: 'RUNNING',
  tenant: 'acme',
  system: false,
  createDate: Date.UTC(2026, 10, 30, 12, 0, 0),
  startDate: Date.UTC(2026, 10, 30, 12, 0, 1),
  endDate: null,
  runAt: null,
  sleepingUntil: null,
  waitingForEvent: null,
  waitingForConcurrency: null,
  waiting: 1_000,
  duration: 5_000,
  hasErrors: false,
  lowPriority: false,
  runBy: null,
  submittedBy: null,
  progress: 0,
  parentId: null,
  rootId: 'j1',
  data: {},
  results: null,
  childrenProgress: { finished: 0, total: 0 },
  resultFile: null,
  error: null,
  scheduleId: null,
  attempt: 1,
  version: 3,
};

const render = (job: Job) =>
  String(
    JobPage({ job, canWrite: false, timeZone: 'UTC', scheduleHref: null, parentLabel: null, rootLabel: null, errorLines: [], children: null, logs: null }),
  );

describe('job page', () => {
  it('says what a parked job waits on: its sleep’s end, an outside event, or nothing', () => {
    const asleep = render({ ...JOB, sleepingUntil: Date.UTC(2026, 10, 30, 13, 30, 0) });
    expect(asleep).toContain('<dd id="field-waiting-on">a sleep, until <time datetime="2026-11-30T13:30:00.000Z">');
    const waiting = render({ ...JOB, waitingForEvent: { name: 'export.approved', key: 'j1', until: Date.UTC(2026, 11, 1, 12, 0, 0) } });
    expect(waiting).toContain(
      '<dd id="field-waiting-on">event <code>export.approved</code> (key <code>j1</code>), until <time datetime="2026-12-01T12:00:00.000Z">',
    );
    const limited = render({ ...JOB, status: 'PENDING', waitingForConcurrency: { key: 'customer-7', limit: 2 } });
    expect(limited).toContain('<dd id="field-waiting-on">concurrency limit for key <code>customer-7</code> (2 at a time)</dd>');
    expect(render(JOB)).toContain('<dd id="field-waiting-on"><span class="muted">—</span></dd>');
  });
});
