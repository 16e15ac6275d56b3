/** @jsxImportSource hono/jsx */
import type { Job } from '@stint/core';
import { statusLabel, statusTone, waitingTicks } from './job-status.ts';
import { formatDateTime, formatDuration } from './time-format.ts';

/**
 * Cells shared by the list, the children table and the detail page. The page script rebuilds
 * the same markup from JSON on refresh (assets/js/job-cells.js); keep the two in step.
 */

export function jobHref(id: string): string {
  return `/jobs/${encodeURIComponent(id)}`;
}

/** The label, linking to the job, over its type and id: rows with the same label still differ by id. */
export function JobName(props: { job: Pick<Job, 'id' | 'label' | 'type' | 'system'> }) {
  const { job } = props;
  return (
    <>
      <a href={jobHref(job.id)}>{job.label}</a>
      <span class="job-type">
        {job.type}
        {job.system ? ' · system' : ''}
      </span>
      <span class="job-id">{job.id}</span>
    </>
  );
}

export function StatusBadge(props: { job: Pick<Job, 'status' | 'hasErrors'> }) {
  return <span class={`badge badge--${statusTone(props.job)}`}>{statusLabel(props.job)}</span>;
}

export function Progress(props: { value: number; label: string }) {
  const value = Math.max(0, Math.min(100, Math.round(props.value)));
  return (
    <span class="progress">
      <progress max={100} value={value} aria-label={props.label}>
        {value}%
      </progress>
      <span class="progress__text">{value}%</span>
    </span>
  );
}

/** Waiting grows while the job has neither started nor ended (as core's waitingMs). */
export function Waiting(props: { job: Job }) {
  const { job } = props;
  return (
    <span class="duration" data-tick-from={waitingTicks(job) ? String(job.createDate) : undefined}>
      {formatDuration(job.waiting)}
    </span>
  );
}

/** Duration grows from the start until the job ends (as core's durationMs). */
export function Duration(props: { job: Pick<Job, 'startDate' | 'endDate' | 'duration'> }) {
  const { job } = props;
  const ticking = job.startDate !== null && job.endDate === null;
  return (
    <span class="duration" data-tick-from={ticking ? String(job.startDate) : undefined}>
      {job.startDate === null ? '—' : formatDuration(job.duration)}
    </span>
  );
}

export function DateTime(props: { ms: number | null; timeZone: string }) {
  if (props.ms === null) return <span class="muted">—</span>;
  const [date, time] = formatDateTime(props.ms, props.timeZone).split(' ');
  // Two parts so a narrow table can stack them; the text still reads "2025-01-31 14:05:09".
  return (
    <time datetime={new Date(props.ms).toISOString()}>
      <span class="date">{date}</span> <span class="time">{time}</span>
    </time>
  );
}

export function ChildrenCount(props: { job: Job }) {
  const { finished, total } = props.job.childrenProgress;
  if (total === 0) return <span class="muted">—</span>;
  return <span class="children-count">{`${finished} / ${total}`}</span>;
}

export function ErrorsFlag(props: { job: Job }) {
  return props.job.hasErrors ? <span class="flag flag--error">Yes</span> : <span class="muted">No</span>;
}

export function LowPriorityFlag(props: { job: Job }) {
  return props.job.lowPriority ? <span class="flag flag--low">Low</span> : <span class="muted">No</span>;
}

export function RunBy(props: { job: Pick<Job, 'runBy'> }) {
  return props.job.runBy ? <span>{props.job.runBy.name}</span> : <span class="muted">System</span>;
}
