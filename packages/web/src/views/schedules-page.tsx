/** @jsxImportSource hono/jsx */
import type { Job } from '@stint/core';
import { ADMIN_TENANT } from '@stint/core/auth';
import type { ScheduleRow } from '@stint/core/schedules';
import type { Pager } from '../list-url.ts';
import { canonicalHref, LIST_URL, withoutStarted } from '../schedule-url.ts';
import { jobHref } from './job-cells.tsx';
import { LogDialog } from './log-dialog.tsx';
import { PagerNav } from './pager-nav.tsx';
import { RunStatusToggles } from './run-status-toggles.tsx';
import { SchedulesTable } from './schedules-table.tsx';

export interface SchedulesPageProps {
  rows: ScheduleRow[];
  /** The canonical parameters of this view. */
  params: URLSearchParams;
  pager: Pager;
  error: string | null;
  /** The filters could be applied: the script may refresh this view. */
  valid: boolean;
  /** Runs just started by Run now. */
  started: Job[];
  canWrite: boolean;
  csrfToken: string;
  timeZone: string;
}

export function SchedulesPage(props: SchedulesPageProps) {
  const { params } = props;
  // Run now comes back to the same view.
  const view = withoutStarted(params);
  return (
    <>
      <div class="page-header">
        <div>
          <h1>Scheduled jobs</h1>
          <p class="page-header__lead">Recurring jobs, one row per tenant (or one for the installation). Open one to plan it.</p>
        </div>
      </div>

      {props.started.length > 0 && <StartedNotice jobs={props.started} />}

      <div class="list-bar">
        {props.canWrite ? (
          <div class="toolbar toolbar--bare" role="toolbar" aria-label="Operations on the selected schedules">
            <span class="toolbar__count" id="selection-count" aria-live="polite">
              No schedules selected
            </span>
            <button type="submit" form="run-now-form" class="button button--primary" id="run-now">
              Run now
            </button>
          </div>
        ) : (
          <p class="toolbar__note">Read-only access: schedules cannot be run or changed.</p>
        )}
        <form class="list-filters" id="schedule-filters" method="get" action="/schedules" role="search" autocomplete="off" aria-label="Filter schedules">
          <RunStatusToggles name="status" selected={params.get('status')} legend="Show only schedules whose last run" />
          <label for="f-q" class="visually-hidden">
            Identifier contains
          </label>
          <input id="f-q" type="search" name="q" value={params.get('q') ?? ''} placeholder="Identifier contains" maxlength={200} />
          <button type="submit" class="button">
            Filter
          </button>
        </form>
      </div>

      {/* What the script refreshes in place: everything that depends on the rows. */}
      <div id="schedules-view" data-valid={props.valid ? 'true' : 'false'}>
        {props.error !== null && (
          <div class="alert alert--error" role="alert">
            {props.error}
          </div>
        )}
        <form id="run-now-form" method="post" action="/schedules">
          <input type="hidden" name="csrf" value={props.csrfToken} />
          <input type="hidden" name="view" value={view.toString()} />
          <SchedulesTable
            rows={props.rows}
            selectable={props.canWrite}
            timeZone={props.timeZone}
            emptyText={props.valid ? 'No schedules match these filters.' : 'Fix the filters to see schedules.'}
          />
        </form>
        <PagerNav pager={props.pager} label="Pages" link={(to) => canonicalHref('/schedules', to, LIST_URL)} />
      </div>
      <LogDialog />
    </>
  );
}

function StartedNotice(props: { jobs: Job[] }) {
  return (
    <div class="alert alert--ok" role="status" id="started">
      <strong>{props.jobs.length === 1 ? 'Started 1 run:' : `Started ${props.jobs.length} runs:`}</strong>
      <ul class="started-list">
        {props.jobs.map((job) => (
          <li>
            <a href={jobHref(job.id)}>{job.label}</a>{' '}
            <span class="muted">
              ({job.scheduleId}
              {job.tenant === ADMIN_TENANT ? ', installation' : `, ${job.tenant}`})
            </span>
          </li>
        ))}
      </ul>
      <a href="/jobs">Show them in the jobs list</a>
    </div>
  );
}
