import { describe, expect, it } from 'vitest';
import { JOB_STATUSES, waitingMs } from '@stint/core';
import { LIVE_HEADER } from '../routes/job-route.tsx';
import { statusLabel, statusTone, waitingTicks } from './job-status.ts';
import { formatDateTime, formatDuration } from './time-format.ts';

/**
 * assets/js/format.js is the browser's copy of these views (the page scripts have no build
 * step), and rows it rebuilds must read exactly like the server's. This keeps the twins equal.
 */
interface BrowserFormat {
  formatDateTime(ms: number | null): string;
  formatDuration(ms: number | null): string;
  statusTone(job: { status: string; hasErrors: boolean }): string;
  statusLabel(job: { status: string; hasErrors: boolean }): string;
  waitingTicks(job: { startDate: number | null; endDate: number | null }): boolean;
}

const browser = (await import(new URL('../../assets/js/format.js', import.meta.url).href)) as BrowserFormat;
const pageRefresh = (await import(new URL('../../assets/js/page-refresh.js', import.meta.url).href)) as { LIVE_HEADER: string };

describe('the browser’s format.js', () => {
  it.each([null, 0, 999, 1_000, 12_345, 59_999, 60_000, 245_000, 3_599_999, 3_600_000, 7_380_000, 86_400_000, 90_061_000])(
    'formats a duration of %s ms as the server does',
    (ms) => {
      expect(browser.formatDuration(ms)).toBe(formatDuration(ms));
    },
  );

  it('formats dates in the viewer’s zone as the server does', () => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    for (const ms of [null, 0, 1_795_401_425_103, 1_700_000_000_000]) expect(browser.formatDateTime(ms)).toBe(formatDateTime(ms, zone));
  });

  it.each(JOB_STATUSES.flatMap((status) => [false, true].map((hasErrors) => ({ status, hasErrors }))))(
    'shows $status (errors: $hasErrors) with the server’s tone and label',
    (job) => {
      expect(browser.statusTone(job)).toBe(statusTone(job));
      expect(browser.statusLabel(job)).toBe(statusLabel(job));
    },
  );

  it.each([
    { startDate: null, endDate: null },
    { startDate: 5_000, endDate: null },
    { startDate: 5_000, endDate: 9_000 },
    { startDate: null, endDate: 9_000 },
  ])('ticks the Waiting cell of $startDate/$endDate exactly while core’s waitingMs grows', (dates) => {
    const job = { createDate: 1_000, ...dates };
    const grows = waitingMs(job, 20_000) !== waitingMs(job, 21_000);
    expect(waitingTicks(job)).toBe(grows);
    expect(browser.waitingTicks(job)).toBe(grows);
  });

  it('asks for a live refresh with the header the job page’s route reads', () => {
    expect(pageRefresh.LIVE_HEADER).toBe(LIVE_HEADER);
  });
});
