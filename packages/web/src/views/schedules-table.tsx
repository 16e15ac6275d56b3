/** @jsxImportSource hono/jsx */
import type { ScheduleRow } from '@stint/core/schedules';
import { refValue, scheduleHref } from '../schedule-url.ts';
import { DateTime } from './job-cells.tsx';
import { PLANNING_LABEL, planningDetail } from './planning-text.ts';
import { LogsIcon, RunStatusIcon } from './schedule-icons.tsx';

export const SCHEDULE_COLUMNS = ['Status', 'Logs', 'Identifier', 'Execution', 'Tenant', 'Planning', 'Last run', 'Next run'];

export function rowName(row: Pick<ScheduleRow, 'id' | 'tenant'>): string {
  return row.tenant === null ? row.id : `${row.id} of ${row.tenant}`;
}

/** The list's table. Its rows are refreshed by the page script from this same markup (it re-reads the page). */
export function SchedulesTable(props: { rows: ScheduleRow[]; selectable: boolean; timeZone: string; emptyText: string }) {
  return (
    <div class="table-scroll" role="region" aria-labelledby="schedules-caption" tabindex={0}>
      <table class="schedules-table stack-table" id="schedules-table">
        <caption id="schedules-caption">Scheduled jobs, by tenant and identifier</caption>
        <thead>
          <tr>
            {props.selectable && (
              <th scope="col" class="col-select">
                <input type="checkbox" id="select-all" aria-label="Select every schedule on this page" />
              </th>
            )}
            {SCHEDULE_COLUMNS.map((name) => (
              <th scope="col" class={name === 'Status' || name === 'Logs' ? 'col-icon' : undefined}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody id="schedules-body">
          {props.rows.map((row) => (
            <ScheduleTableRow row={row} selectable={props.selectable} timeZone={props.timeZone} />
          ))}
        </tbody>
      </table>
      <p class="empty" id="schedules-empty" hidden={props.rows.length > 0}>
        {props.emptyText}
      </p>
    </div>
  );
}

function ScheduleTableRow(props: { row: ScheduleRow; selectable: boolean; timeZone: string }) {
  const { row } = props;
  const detail = planningDetail(row.planning);
  return (
    <tr data-ref={refValue(row)} data-run-status={row.lastRun?.status ?? 'never'}>
      {props.selectable && (
        <td class="col-select">
          <input type="checkbox" class="row-select" name="schedule" value={refValue(row)} aria-label={`Select ${rowName(row)}`} />
        </td>
      )}
      <td class="col-icon" data-label="Status">
        <RunStatusIcon status={row.lastRun?.status ?? null} prefix="Last run: " />
      </td>
      <td class="col-icon" data-label="Logs">
        {row.lastRun !== null && !row.lastRun.jobRemoved && (
          <LogsIcon jobId={row.lastRun.jobId} unread={row.unreadLogs} what={`the last run of ${rowName(row)}`} />
        )}
      </td>
      <th scope="row" class="col-job">
        <a href={scheduleHref(row)}>{row.id}</a>
        <span class="job-type">{row.jobType}</span>
      </th>
      <td data-label="Execution">{row.scope === 'tenant' ? 'Per tenant' : 'Installation'}</td>
      <td data-label="Tenant">{row.tenant ?? <span class="muted">All tenants</span>}</td>
      <td data-label="Planning">
        {PLANNING_LABEL[row.planning.type]}
        {detail !== null && <span class="cell-detail">{detail}</span>}
      </td>
      <td class="nowrap" data-label="Last run">
        <DateTime ms={row.lastRun?.date ?? null} timeZone={props.timeZone} />
      </td>
      <td class="nowrap" data-label="Next run">
        <DateTime ms={row.nextRunAt} timeZone={props.timeZone} />
      </td>
    </tr>
  );
}
