/** @jsxImportSource hono/jsx */
import type { RunStatus } from '@stint/core/schedules';
import { jobHref } from './job-cells.tsx';

/**
 * The schedule list's icons, as the seed describes them: a blinking gray circle while a run is
 * running, a green tick, an attention sign, a cross (and a question mark for a run whose job
 * was removed before its outcome was recorded); and the logs icon, dark while the viewer
 * has unread lines. Shapes are inline SVG coloured by monitor.css; each icon carries its
 * meaning as text for screen readers and as a tooltip.
 */
export const RUN_STATUS_LABEL: Record<RunStatus, string> = {
  running: 'Running',
  success: 'Succeeded',
  warnings: 'Succeeded with warnings',
  failed: 'Failed',
  unknown: 'Outcome unknown',
};

function Shape(props: { status: RunStatus }) {
  switch (props.status) {
    case 'running':
      return <span class="run-icon__dot"></span>;
    case 'success':
      return (
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M4.5 12.5l5 5 10-11" />
        </svg>
      );
    case 'warnings':
      return (
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path class="run-icon__fill" d="M12 2.5 1.8 20.5h20.4z" />
          <path class="run-icon__mark" d="M12 9v5.5M12 17.2v.3" />
        </svg>
      );
    case 'failed':
      return (
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M6 6l12 12M18 6 6 18" />
        </svg>
      );
    case 'unknown':
      return (
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M8.5 8.5a3.5 3.5 0 1 1 5.2 3.1c-1.1.6-1.7 1.3-1.7 2.6M12 18v.3" />
        </svg>
      );
  }
}

export function RunStatusIcon(props: { status: RunStatus | null; prefix?: string }) {
  if (props.status === null) return <span class="visually-hidden">Never run</span>;
  const label = `${props.prefix ?? ''}${RUN_STATUS_LABEL[props.status]}`;
  return (
    <span class={`run-icon run-icon--${props.status}`} role="img" aria-label={label} title={label}>
      <Shape status={props.status} />
    </span>
  );
}

/** The status icon alone, for toggle buttons whose text already says what it is. */
export function RunStatusShape(props: { status: RunStatus }) {
  return (
    <span class={`run-icon run-icon--${props.status}`} aria-hidden="true">
      <Shape status={props.status} />
    </span>
  );
}

/**
 * Opens a run's logs. Without the script it is a link to the job's log panel (whose page marks
 * them read); the script opens them in the log popup instead.
 */
export function LogsIcon(props: { jobId: string; unread: boolean; what: string }) {
  const label = `${props.unread ? 'Unread logs' : 'Logs'} of ${props.what}`;
  // biome-ignore-start lint/a11y/useAnchorContent: the link is named by its aria-label; the icon inside is decoration (Biome 2.6 counts aria-hidden content as none, aria-label or not).
  return (
    <a
      class={`logs-icon${props.unread ? ' logs-icon--unread' : ''}`}
      href={`${jobHref(props.jobId)}#logs`}
      data-log-job={props.jobId}
      aria-label={label}
      title={label}
    >
      <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path class="logs-icon__page" d="M5.5 2.5h9l4 4v15h-13z" />
        <path class="logs-icon__lines" d="M8.5 10h7M8.5 13.5h7M8.5 17h4.5" />
      </svg>
    </a>
  );
  // biome-ignore-end lint/a11y/useAnchorContent: as above
}
