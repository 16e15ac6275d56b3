/** @jsxImportSource hono/jsx */
import type { Job } from '@stint/core';
import { ChildrenCount, DateTime, Duration, ErrorsFlag, jobHref, LowPriorityFlag, Progress, RunBy, StatusBadge, Waiting } from './job-cells.tsx';

export interface JobsTableProps {
  jobs: Job[];
  caption: string;
  timeZone: string;
  /** Rows get a checkbox for the operation buttons (not for viewers). */
  selectable: boolean;
  restartable: (type: string) => boolean;
  emptyText: string;
}

/** Column headings, in the seeds' order; the script builds rows in the same order. */
export const JOB_COLUMNS = ['Job', 'Created', 'Waiting', 'Started', 'Duration', 'Status', 'Errors', 'Low priority', 'Run by', 'Progress', 'Children'];

export function JobsTable(props: JobsTableProps) {
  const { jobs, timeZone, selectable } = props;
  return (
    <div class="table-scroll" role="region" aria-labelledby="jobs-caption" tabindex={0}>
      <table class="jobs-table" id="jobs-table" data-selectable={selectable ? 'true' : 'false'}>
        <caption id="jobs-caption">{props.caption}</caption>
        <thead>
          <tr>
            {selectable && (
              <th scope="col" class="col-select">
                <input type="checkbox" id="select-all" aria-label="Select every job on this page" />
              </th>
            )}
            {JOB_COLUMNS.map((name) => (
              <th scope="col" class={name === 'Job' ? 'col-job' : undefined}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody id="jobs-body">
          {jobs.map((job) => (
            <JobRow job={job} timeZone={timeZone} selectable={selectable} restartable={props.restartable(job.type)} />
          ))}
        </tbody>
      </table>
      <p class="empty" id="jobs-empty" hidden={jobs.length > 0}>
        {props.emptyText}
      </p>
    </div>
  );
}

function JobRow(props: { job: Job; timeZone: string; selectable: boolean; restartable: boolean }) {
  const { job, timeZone } = props;
  return (
    <tr data-id={job.id} data-status={job.status} data-restartable={props.restartable ? 'true' : 'false'}>
      {props.selectable && (
        <td class="col-select">
          <input type="checkbox" class="row-select" value={job.id} aria-label={`Select ${job.label}`} />
        </td>
      )}
      <th scope="row" class="col-job">
        <a href={jobHref(job.id)}>{job.label}</a>
        <span class="job-type">
          {job.type}
          {job.system ? ' · system' : ''}
        </span>
      </th>
      <td class="nowrap">
        <DateTime ms={job.createDate} timeZone={timeZone} />
      </td>
      <td class="nowrap">
        <Waiting job={job} />
      </td>
      <td class="nowrap">
        <DateTime ms={job.startDate} timeZone={timeZone} />
      </td>
      <td class="nowrap">
        <Duration job={job} />
      </td>
      <td>
        <StatusBadge job={job} />
      </td>
      <td>
        <ErrorsFlag job={job} />
      </td>
      <td>
        <LowPriorityFlag job={job} />
      </td>
      <td>
        <RunBy job={job} />
      </td>
      <td>
        <Progress value={job.progress} label={`Progress of ${job.label}`} />
      </td>
      <td>
        <ChildrenCount job={job} />
      </td>
    </tr>
  );
}
