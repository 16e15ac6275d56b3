/** @jsxImportSource hono/jsx */
import type { Job } from '@stint/core';
import type { OperationRules } from './operation-rules.ts';
import { ChildrenCount, DateTime, Duration, ErrorsFlag, JobName, LowPriorityFlag, Progress, RunBy, StatusBadge, Waiting } from './job-cells.tsx';

export interface JobsTableProps {
  jobs: Job[];
  caption: string;
  timeZone: string;
  /** Rows get a checkbox for the operation buttons (not for viewers). */
  selectable: boolean;
  rules: (job: Job) => OperationRules;
  /** Admins see every tenant's jobs, so each row says whose it is. */
  showTenant: boolean;
  emptyText: string;
}

/** Column headings, in the seeds' order (Tenant for admins); the script builds rows in the same order. */
export function jobColumns(showTenant: boolean): string[] {
  return [
    'Job',
    ...(showTenant ? ['Tenant'] : []),
    'Created',
    'Waiting',
    'Started',
    'Duration',
    'Status',
    'Errors',
    'Low priority',
    'Run by',
    'Progress',
    'Children',
  ];
}

export function JobsTable(props: JobsTableProps) {
  const { jobs, timeZone, selectable } = props;
  return (
    <div class="table-scroll" role="region" aria-labelledby="jobs-caption" tabindex={0}>
      <table
        class="jobs-table stack-table"
        id="jobs-table"
        data-selectable={selectable ? 'true' : 'false'}
        data-show-tenant={props.showTenant ? 'true' : 'false'}
      >
        <caption id="jobs-caption">{props.caption}</caption>
        <thead>
          <tr>
            {selectable && (
              <th scope="col" class="col-select">
                <input type="checkbox" id="select-all" aria-label="Select every job on this page" />
              </th>
            )}
            {jobColumns(props.showTenant).map((name) => (
              <th scope="col" class={name === 'Job' ? 'col-job' : undefined}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody id="jobs-body">
          {jobs.map((job) => (
            <JobRow job={job} timeZone={timeZone} selectable={selectable} rules={props.rules(job)} showTenant={props.showTenant} />
          ))}
        </tbody>
      </table>
      <p class="empty" id="jobs-empty" hidden={jobs.length > 0}>
        {props.emptyText}
      </p>
    </div>
  );
}

function JobRow(props: { job: Job; timeZone: string; selectable: boolean; rules: OperationRules; showTenant: boolean }) {
  const { job, timeZone } = props;
  // data-label names each cell where a narrow screen stacks the row (monitor.css).
  return (
    <tr
      data-id={job.id}
      data-status={job.status}
      data-low-priority={String(job.lowPriority)}
      data-has-errors={String(job.hasErrors)}
      data-restartable={String(props.rules.restartable)}
      data-retryable={String(props.rules.retryable)}
    >
      {props.selectable && (
        <td class="col-select">
          <input type="checkbox" class="row-select" value={job.id} aria-label={`Select ${job.label}, ${job.id}`} />
        </td>
      )}
      <th scope="row" class="col-job">
        <JobName job={job} />
      </th>
      {props.showTenant && <td data-label="Tenant">{job.tenant}</td>}
      <td class="nowrap" data-label="Created">
        <DateTime ms={job.createDate} timeZone={timeZone} />
      </td>
      <td class="nowrap" data-label="Waiting">
        <Waiting job={job} />
      </td>
      <td class="nowrap" data-label="Started">
        <DateTime ms={job.startDate} timeZone={timeZone} />
      </td>
      <td class="nowrap" data-label="Duration">
        <Duration job={job} />
      </td>
      <td data-label="Status">
        <StatusBadge job={job} />
      </td>
      <td data-label="Errors">
        <ErrorsFlag job={job} />
      </td>
      <td data-label="Low priority">
        <LowPriorityFlag job={job} />
      </td>
      <td data-label="Run by">
        <RunBy job={job} />
      </td>
      <td data-label="Progress">
        <Progress value={job.progress} label={`Progress of ${job.label}`} />
      </td>
      <td data-label="Children">
        <ChildrenCount job={job} />
      </td>
    </tr>
  );
}
