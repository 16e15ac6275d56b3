/** @jsxImportSource hono/jsx */
import { isEnded, type Job, type LogLine } from '@stint/core';
import { ChildrenPanel, type ChildrenPanelProps } from './children-panel.tsx';
import { Field } from './field-row.tsx';
import { ChildrenCount, DateTime, Duration, ErrorsFlag, jobHref, LowPriorityFlag, Progress, RunBy, StatusBadge, Waiting } from './job-cells.tsx';
import { LogsPanel, type LogsPanelProps } from './logs-panel.tsx';
import { ConfirmDialog, OperationsToolbar } from './operations.tsx';
import { formatDateTime } from './time-format.ts';

export interface JobPageProps {
  job: Job;
  canWrite: boolean;
  timeZone: string;
  /** The window of the schedule this job is a run of. */
  scheduleHref: string | null;
  /** Labels of the parent and root, when they still exist. */
  parentLabel: string | null;
  rootLabel: string | null;
  /** The latest ERROR lines, for the Error(s) panel. */
  errorLines: LogLine[];
  children: Omit<ChildrenPanelProps, 'timeZone' | 'path'> | null;
  /** Null for a live refresh, which swaps in only the parts that change (job-page.js LIVE_PARTS): the logs and the data are left out. */
  logs: Omit<LogsPanelProps, 'timeZone' | 'path' | 'jobId'> | null;
}

export function downloadHref(id: string): string {
  return `/api/jobs/${encodeURIComponent(id)}/download`;
}

/** What a job that holds no worker waits for: its sleep's end, an outside event, or a slot of its concurrency key. */
function WaitingOn({ job, timeZone }: { job: Job; timeZone: string }) {
  if (job.sleepingUntil !== null) {
    return (
      <>
        a sleep, until <DateTime ms={job.sleepingUntil} timeZone={timeZone} />
      </>
    );
  }
  if (job.waitingForEvent !== null) {
    const { name, key, until } = job.waitingForEvent;
    return (
      <>
        event <code>{name}</code> (key <code>{key}</code>), until <DateTime ms={until} timeZone={timeZone} />
      </>
    );
  }
  if (job.waitingForConcurrency !== null) {
    const { key, limit } = job.waitingForConcurrency;
    return (
      <>
        concurrency limit for key <code>{key}</code> ({limit} at a time)
      </>
    );
  }
  return <span class="muted">—</span>;
}

export function JobPage(props: JobPageProps) {
  const { job, timeZone } = props;
  const path = jobHref(job.id);
  return (
    <>
      <nav class="breadcrumb" aria-label="Breadcrumb">
        <a href="/jobs">Jobs</a>
        <span aria-hidden="true"> / </span>
        <span aria-current="page">{job.label}</span>
      </nav>
      <div class="page-header">
        <div>
          <h1 class="job-title">{job.label}</h1>
          <p class="page-header__lead">
            <span class="job-type">{job.type}</span>{' '}
            <span id="field-status-badge">
              <StatusBadge job={job} />
            </span>
          </p>
        </div>
        <div class="page-actions" id="job-actions">
          {job.resultFile !== null && (
            <a class="button button--primary" id="download" href={downloadHref(job.id)}>
              Download result
            </a>
          )}
          <a class="button" href="/jobs">
            Back to jobs
          </a>
        </div>
      </div>

      <OperationsToolbar canWrite={props.canWrite} scope="job" />

      <div id="errors-slot">
        {job.hasErrors && (
          <section class="panel panel--error" id="errors" aria-labelledby="errors-title">
            <h2 id="errors-title">Error(s)</h2>
            {job.error !== null && <p class="error-text">{job.error}</p>}
            {props.errorLines.length > 0 && (
              <ul class="error-lines">
                {props.errorLines.map((line) => (
                  <li>
                    <time datetime={new Date(line.timestamp).toISOString()}>{formatDateTime(line.timestamp, timeZone)}</time> {line.message}
                  </li>
                ))}
              </ul>
            )}
            {job.error === null && props.errorLines.length === 0 && <p>This job reported errors; see its logs and its children.</p>}
          </section>
        )}
      </div>

      <div class="detail-grid">
        <section class="panel" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <dl class="fields">
            <Field label="Id">
              <code>{job.id}</code>
            </Field>
            <Field label="Type">{job.type + (job.system ? ' (system job)' : '')}</Field>
            <Field label="Tenant">{job.tenant}</Field>
            <Field label="Run by">
              <RunBy job={job} />
            </Field>
            <Field label="Created">
              <DateTime ms={job.createDate} timeZone={timeZone} />
            </Field>
            {job.runAt !== null && (
              <Field label="Starts at">
                <DateTime ms={job.runAt} timeZone={timeZone} />
              </Field>
            )}
            <Field label="Waiting on" id="field-waiting-on">
              <WaitingOn job={job} timeZone={timeZone} />
            </Field>
            <Field label="Waiting" id="field-waiting">
              <Waiting job={job} />
            </Field>
            <Field label="Started" id="field-started">
              <DateTime ms={job.startDate} timeZone={timeZone} />
            </Field>
            <Field label="Duration" id="field-duration">
              <Duration job={job} />
            </Field>
            <Field label="Ended" id="field-ended">
              <DateTime ms={job.endDate} timeZone={timeZone} />
            </Field>
            <Field label="Errors" id="field-errors">
              <ErrorsFlag job={job} />
            </Field>
            <Field label="Attempt" id="field-attempt">
              {job.attempt === 1 ? '1' : `${job.attempt} (retried ${job.attempt - 1}×; earlier attempts’ lines stay in the log)`}
            </Field>
            <Field label="Low priority" id="field-low-priority">
              <LowPriorityFlag job={job} />
            </Field>
            <Field label="Parent">
              {job.parentId === null ? <span class="muted">None: this is a root job</span> : <RelatedLink id={job.parentId} label={props.parentLabel} />}
            </Field>
            {job.scheduleId !== null && (
              <Field label="Schedule" id="field-schedule">
                {props.scheduleHref === null ? <code>{job.scheduleId}</code> : <a href={props.scheduleHref}>{job.scheduleId}</a>}
              </Field>
            )}
            <Field label="Root">{job.rootId === job.id ? <span class="muted">This job</span> : <RelatedLink id={job.rootId} label={props.rootLabel} />}</Field>
          </dl>
        </section>
        <section class="panel" id="progress-panel" aria-labelledby="progress-title">
          <h2 id="progress-title">Progress</h2>
          <div class="big-progress" id="field-progress">
            <Progress value={job.progress} label="Progress of this job" />
          </div>
          <dl class="fields">
            <Field label="Children ended" id="field-children">
              <ChildrenCount job={job} />
            </Field>
          </dl>
          <p class="hint">
            Progress is the job’s own estimate; a parent that reports none shows the share of its children that have ended. More children may still be created,
            which moves the count.
          </p>
        </section>
      </div>

      <div id="children-slot">{props.children !== null && <ChildrenPanel {...props.children} path={path} timeZone={timeZone} />}</div>

      <div class="detail-grid">
        <section class="panel" aria-labelledby="data-title">
          <h2 id="data-title">Data</h2>
          {props.logs !== null && (
            <pre class="code" tabindex={0}>
              {JSON.stringify(job.data, null, 2)}
            </pre>
          )}
        </section>
        <section class="panel" id="output-panel" aria-labelledby="output-title">
          <h2 id="output-title">Output</h2>
          {job.results === null ? (
            <p class="muted">
              {isEnded(job.status) ? 'No output: the job ended without results.' : 'No output yet: results appear when the job sets them or ends.'}
            </p>
          ) : (
            <pre class="code" tabindex={0}>
              {JSON.stringify(job.results, null, 2)}
            </pre>
          )}
        </section>
      </div>

      {props.logs !== null && <LogsPanel {...props.logs} jobId={job.id} path={path} timeZone={timeZone} />}
      <ConfirmDialog />
    </>
  );
}

function RelatedLink(props: { id: string; label: string | null }) {
  return (
    <>
      <a href={jobHref(props.id)}>{props.label ?? props.id}</a>
      {props.label !== null && <span class="job-type">{props.id}</span>}
    </>
  );
}
