/** @jsxImportSource hono/jsx */
import type { Operation } from '@stint/core';

export interface Confirmation {
  /** `{subject}` is replaced by what will be acted on: the job's label, or the count of jobs. */
  title: string;
  body: string;
  action: string;
}

/**
 * The operation buttons, in the lifecycle's order. The script enables one only when it applies
 * to every selected job (ALLOWED_FROM, restartable types for Restart, failed roots of retryable types for Retry); the irreversible
 * ones ask first and say what may be lost, as DESIGN.md's lifecycle table requires.
 */
export const OPERATION_BUTTONS: Array<{ op: Operation; label: string; confirm?: Confirmation; danger?: boolean }> = [
  { op: 'stop', label: 'Stop' },
  { op: 'resume', label: 'Resume' },
  {
    op: 'force-stop',
    label: 'Force stop',
    danger: true,
    confirm: {
      title: 'Force stop {subject}?',
      body: 'Force stop revokes the worker’s lease at once instead of waiting for the next step boundary. The step in progress is abandoned, and data it was writing may be left inconsistent. Use it only when a graceful stop does not finish.',
      action: 'Force stop',
    },
  },
  {
    op: 'cancel',
    label: 'Cancel',
    danger: true,
    confirm: {
      title: 'Cancel {subject}?',
      body: 'Canceling discards the saved checkpoints, so the work done so far cannot be resumed, and cancels unfinished children. Records already changed stay changed.',
      action: 'Cancel job',
    },
  },
  { op: 'restart', label: 'Restart' },
  { op: 'retry', label: 'Retry' },
  { op: 'set-low-priority', label: 'Set low priority' },
  { op: 'remove-low-priority', label: 'Remove low priority' },
  {
    op: 'delete',
    label: 'Delete',
    danger: true,
    confirm: {
      title: 'Delete {subject}?',
      body: 'Deleting removes the job, its child jobs and all of their logs for good. Only root jobs whose whole tree has ended can be deleted.',
      action: 'Delete',
    },
  },
];

export const CLEAR_INACTIVE_CONFIRMATION: Confirmation = {
  title: 'Clear {subject}?',
  body: 'This deletes every finished, failed and canceled job you can see, with their child jobs and logs. Pending, running and stopped jobs are left alone, and so is any tree with one of those in it.',
  action: 'Clear inactive',
};

export function confirmAttributes(confirm: Confirmation | undefined): Record<string, string> {
  if (!confirm) return {};
  return { 'data-confirm-title': confirm.title, 'data-confirm-body': confirm.body, 'data-confirm-action': confirm.action };
}

/**
 * Buttons start disabled: nothing is selected before the script runs, and viewers may not change
 * anything. An operation's outcome is said right after the buttons (a live region), where the
 * eye already is, not at the top of the page; the list also notes a failure in the row it concerns.
 */
export function OperationsToolbar(props: { canWrite: boolean; scope: 'selection' | 'job' }) {
  return (
    <div
      class={`toolbar toolbar--${props.scope}`}
      role="toolbar"
      aria-label={props.scope === 'selection' ? 'Operations on the selected jobs' : 'Operations on this job'}
    >
      {props.scope === 'selection' && (
        <span class="toolbar__count" id="selection-count">
          No jobs selected
        </span>
      )}
      {OPERATION_BUTTONS.map(({ op, label, confirm, danger }) => (
        <button type="button" class={`button${danger ? ' button--danger' : ''}`} data-op={op} disabled {...confirmAttributes(confirm)}>
          {label}
        </button>
      ))}
      {!props.canWrite && <span class="toolbar__note">Read-only access: operations are not available.</span>}
      <p class="toolbar__feedback" id="operation-feedback" role="status" aria-live="polite"></p>
    </div>
  );
}

export function ConfirmDialog() {
  return (
    <dialog id="confirm-dialog" class="dialog" aria-labelledby="confirm-title" aria-describedby="confirm-body">
      <form method="dialog">
        <h2 id="confirm-title">Are you sure?</h2>
        <p id="confirm-body"></p>
        <div class="dialog__actions">
          <button type="submit" value="cancel" class="button" autofocus>
            Go back
          </button>
          <button type="submit" value="confirm" class="button button--danger" id="confirm-action">
            Confirm
          </button>
        </div>
      </form>
    </dialog>
  );
}
