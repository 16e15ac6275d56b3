/** @jsxImportSource hono/jsx */
import { LogTable } from './logs-panel.tsx';

/**
 * The log popup of the schedule pages: a run's newest lines, followed live while it runs
 * (assets/js/log-dialog.js fills it). Every link that opens it also works as a plain link to
 * the job's own log panel.
 */
export function LogDialog() {
  return (
    <dialog id="log-dialog" class="dialog dialog--logs" aria-labelledby="log-dialog-title">
      <div class="panel__header">
        <h2 id="log-dialog-title">Logs</h2>
        <form method="dialog">
          <button type="submit" class="button" autofocus>
            Close
          </button>
        </form>
      </div>
      <p class="log-dialog__meta">
        <span id="log-dialog-status"></span> <span class="muted" id="log-dialog-state" aria-live="polite"></span>{' '}
        <a id="log-dialog-job" href="/jobs">
          Open the job’s page
        </a>
      </p>
      <div class="table-scroll log-dialog__lines" role="region" aria-labelledby="log-dialog-caption" tabindex={0}>
        <LogTable captionId="log-dialog-caption" bodyId="log-dialog-body" />
        <p class="empty" id="log-dialog-empty" hidden>
          No log lines yet.
        </p>
      </div>
    </dialog>
  );
}
