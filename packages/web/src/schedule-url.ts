import { BadRequestError } from '@stint/core';
import { TENANT_PATTERN } from '@stint/core/auth';
import { RUN_STATUSES, type ScheduleRef } from '@stint/core/schedules';
import { href, type RawQuery } from './list-url.ts';

/**
 * URLs of the schedule pages. As for the jobs list, the view lives in the URL, and a submitted
 * form is answered with a redirect to the canonical form: known parameters only, in a fixed
 * order, lists comma-joined, empties and defaults dropped.
 */
export interface UrlSpec {
  order: readonly string[];
  lists: readonly string[];
  defaults?: Record<string, string>;
  /** Lists that mean no filter when they name every value. */
  whole?: Record<string, readonly string[]>;
}

export const LIST_URL: UrlSpec = {
  order: ['status', 'q', 'cursor', 'trail', 'page', 'started'],
  lists: ['status', 'started'],
  whole: { status: RUN_STATUSES },
};
export const WINDOW_URL: UrlSpec = {
  order: ['tenant', 'tab', 'saved', 'runStatus', 'runsCursor', 'runsTrail', 'runsPage'],
  lists: ['runStatus'],
  defaults: { tab: 'information' },
  whole: { runStatus: RUN_STATUSES },
};
export const RUNS_PAGER = { cursor: 'runsCursor', trail: 'runsTrail', page: 'runsPage' };

export function canonicalOf(raw: RawQuery | URLSearchParams, spec: UrlSpec): URLSearchParams {
  const values = (name: string) => (raw instanceof URLSearchParams ? raw.getAll(name) : (raw[name] ?? []));
  const out = new URLSearchParams();
  for (const name of spec.order) {
    const given = values(name)
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (given.length === 0) continue;
    const value = spec.lists.includes(name)
      ? [
          ...new Set(
            given
              .flatMap((v) => v.split(','))
              .map((v) => v.trim())
              .filter(Boolean),
          ),
        ].join(',')
      : given.at(-1)!;
    const whole = spec.whole?.[name];
    if (whole?.every((item) => value.split(',').includes(item))) continue;
    if (value !== '' && spec.defaults?.[name] !== value) out.set(name, value);
  }
  return out;
}

/** The list's view without the outcome of a Run now, which belongs to the one page that reports it. */
export function withoutStarted(params: URLSearchParams): URLSearchParams {
  const view = new URLSearchParams(params);
  view.delete('started');
  return view;
}

/** The href of a view whose parameters may have been changed out of order (by the pager). */
export function canonicalHref(path: string, params: URLSearchParams, spec: UrlSpec, hash = ''): string {
  return `${href(path, canonicalOf(params, spec))}${hash}`;
}

/** A schedule's window: its id in the path, its tenant in the query (none for an installation-wide one). */
export function scheduleHref(ref: ScheduleRef, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(ref.tenant === null ? extra : { tenant: ref.tenant, ...extra });
  return canonicalHref(`/schedules/${encodeURIComponent(ref.id)}`, params, WINDOW_URL);
}

/** A row's checkbox value: `id` or `id:tenant`. Schedule ids never contain a colon. */
export function refValue(ref: ScheduleRef): string {
  return ref.tenant === null ? ref.id : `${ref.id}:${ref.tenant}`;
}

export function parseRefValue(value: string): ScheduleRef {
  const colon = value.indexOf(':');
  const ref = colon < 0 ? { id: value, tenant: null } : { id: value.slice(0, colon), tenant: value.slice(colon + 1) };
  // defineSchedule's id rule; an unknown but well-formed id is the catalog's to refuse (404).
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(ref.id) || (ref.tenant !== null && !TENANT_PATTERN.test(ref.tenant))) {
    throw new BadRequestError(`"${value.slice(0, 80)}" does not name a schedule`, 'schedule');
  }
  return ref;
}
