import { describe, expect, it } from 'vitest';
import { canonicalOf, LIST_URL, parseRefValue, refValue, scheduleHref, WINDOW_URL } from './schedule-url.ts';

describe('schedule URLs', () => {
  it('keep known parameters only, in order, lists joined, empties and defaults dropped', () => {
    const params = canonicalOf({ q: [' night '], status: ['failed', 'running,failed'], junk: ['x'], cursor: [''] }, LIST_URL);
    expect(params.toString()).toBe('status=failed%2Crunning&q=night');
    expect(canonicalOf({ tab: ['information'], tenant: ['acme'] }, WINDOW_URL).toString()).toBe('tenant=acme');
  });

  it('drop a status filter that names every status: it filters nothing', () => {
    expect(canonicalOf({ status: ['running,success', 'warnings', 'failed,unknown'] }, LIST_URL).toString()).toBe('');
    expect(canonicalOf({ runStatus: ['success,failed,warnings,running,unknown'] }, WINDOW_URL).toString()).toBe('');
    expect(canonicalOf({ runStatus: ['success,failed,warnings,running'] }, WINDOW_URL).toString()).toBe('runStatus=success%2Cfailed%2Cwarnings%2Crunning');
  });

  it('address a tenant’s row and the installation’s', () => {
    expect(scheduleHref({ id: 'nightly-export', tenant: 'acme' }, { tab: 'runs' })).toBe('/schedules/nightly-export?tenant=acme&tab=runs');
    expect(scheduleHref({ id: 'exports-cleanup', tenant: null })).toBe('/schedules/exports-cleanup');
  });

  it('round-trip a row through its checkbox value, and refuse what cannot name one', () => {
    for (const ref of [
      { id: 'nightly-export', tenant: 'acme' },
      { id: 'exports-cleanup', tenant: null },
    ])
      expect(parseRefValue(refValue(ref))).toEqual(ref);
    for (const value of ['', 'Nightly', 'nightly-export:_admin', 'a:b:c', 'x:']) expect(() => parseRefValue(value)).toThrow(/does not name a schedule/);
  });
});
