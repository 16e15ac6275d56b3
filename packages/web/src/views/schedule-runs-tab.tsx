/** @jsxImportSource hono/jsx */
import type { ScheduleRow, ScheduleRun } from '@stint/core/schedules';
import type { Pager } from '../list-url.ts';
import { canonicalHref, WINDOW_URL } from '../schedule-url.ts';
import { DateTime, Duration, jobHref, RunBy } from './job-cells.tsx';
import { PagerNav } from './pager-nav.tsx';
import { RunStatusToggles } from './run-status-toggles.tsx';
import { RunStatusIcon } from './schedule-icons.tsx';

export interface RunsView {
  /** The window's canonical parameters (the runs use runStatus and the runs pager's). */
  params: URLSearchParams;
  items: ScheduleRun[];
  pager: Pager;
  error: string | null;
}

/**
 * Latest executions, newest first, from the schedule's run records; a run's Logs opens them in
 * the popup (or on the job's page without the script) while its job is there.
 */
export function ScheduleRunsTab(props: { row: ScheduleRow; view: RunsView; timeZone: string }) {
  const { row, view } = props;
  const path = `/schedules/${encodeURIComponent(row.id)}`;
  return (
    <>
      <h2 class="visually-hidden">Latest executions</h2>
      <form class="list-filters list-filters--start" method="get" action={path} role="search" autocomplete="off" aria-label="Filter executions">
        {row.tenant !== null && <input type="hidden" name="tenant" value={row.tenant} />}
        <input type="hidden" name="tab" value="runs" />
        <RunStatusToggles name="runStatus" selected={view.params.get('runStatus')} legend="Show only executions that" />
        <button type="submit" class="button">
          Filter
        </button>
      </form>
      {view.error !== null && (
        <div class="alert alert--error" role="alert">
          {view.error}
        </div>
      )}
      <div class="table-scroll" role="region" aria-labelledby="runs-caption" tabindex={0}>
        <table class="runs-table stack-table" id="runs-table">
          <caption id="runs-caption">{`Executions, newest first, page ${view.pager.page}`}</caption>
          <thead>
            <tr>
              <th scope="col" class="col-icon">
                Status
              </th>
              <th scope="col">Run</th>
              <th scope="col">Run by</th>
              <th scope="col">Started</th>
              <th scope="col">Ended</th>
              <th scope="col">Duration</th>
              <th scope="col">
                <span class="visually-hidden">Logs</span>
              </th>
            </tr>
          </thead>
          <tbody id="runs-body">
            {view.items.map((run) => (
              <tr data-id={run.id} data-run-status={run.runStatus}>
                <td class="col-icon" data-label="Status">
                  <RunStatusIcon status={run.runStatus} />
                </td>
                <th scope="row" class="col-job">
                  {run.jobRemoved ? run.label : <a href={jobHref(run.id)}>{run.label}</a>}
                  <span class="job-type">{run.jobRemoved ? `${run.id} (job removed)` : run.id}</span>
                </th>
                <td data-label="Run by">
                  <RunBy job={run} />
                </td>
                <td class="nowrap" data-label="Started">
                  <DateTime ms={run.startDate ?? run.createDate} timeZone={props.timeZone} />
                </td>
                <td class="nowrap" data-label="Ended">
                  <DateTime ms={run.endDate} timeZone={props.timeZone} />
                </td>
                <td class="nowrap" data-label="Duration">
                  <Duration job={run} />
                </td>
                <td>
                  {!run.jobRemoved && (
                    <a class="button button--quiet" href={`${jobHref(run.id)}#logs`} data-log-job={run.id} aria-label={`Logs of ${run.label}`}>
                      Logs
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {view.items.length === 0 && (
          <p class="empty">
            {view.error === null
              ? view.params.has('runStatus')
                ? 'No executions match these filters.'
                : 'Not run yet.'
              : 'Fix the filters to see executions.'}
          </p>
        )}
      </div>
      <PagerNav pager={view.pager} label="Execution pages" link={(to) => canonicalHref(path, onRunsTab(to), WINDOW_URL)} />
    </>
  );
}

/** The pager's links open this tab, whichever tab the page was rendered with. */
function onRunsTab(params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(params);
  next.set('tab', 'runs');
  next.delete('saved');
  return next;
}
