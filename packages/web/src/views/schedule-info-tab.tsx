/** @jsxImportSource hono/jsx */
import type { ScheduleRow } from '@stint/core/schedules';
import type { FieldError, ReportDraft } from '../schedule-form.ts';
import { describedBy, FieldErrorText, FormHead, invalid } from './field-error.tsx';
import { Field } from './field-row.tsx';
import { DateTime, jobHref } from './job-cells.tsx';
import { RunStatusIcon } from './schedule-icons.tsx';
import { formatDateTime } from './time-format.ts';

const RECIPIENTS = ['report.recipients'];

/** Identifier and description come from code and are shown, not edited; the report settings are a form. */
export function ScheduleInfoTab(props: {
  row: ScheduleRow;
  action: string;
  canWrite: boolean;
  csrfToken: string;
  timeZone: string;
  draft: ReportDraft;
  saved: boolean;
  error: FieldError | null;
  reportsEnabled: boolean;
}) {
  const { row, error } = props;
  const lastReport = row.lastReport;
  return (
    <>
      <h2 class="visually-hidden">Information</h2>
      <dl class="fields">
        <Field label="Identifier">
          <code id="schedule-id">{row.id}</code>
        </Field>
        <Field label="Description" id="schedule-description">
          {row.description}
        </Field>
        <Field label="Execution">{row.scope === 'tenant' ? `Per tenant: ${row.tenant}` : 'Installation: once for every tenant'}</Field>
        <Field label="Job type">
          <code>{row.jobType}</code>
        </Field>
        <Field label="Overlapping runs">
          {row.overlap === 'skip' ? 'A slot due while the last run is still active is skipped' : 'Each slot starts a run, even while the last one is active'}
        </Field>
        <Field label="Last run">
          {row.lastRun === null ? (
            <span class="muted">Never run</span>
          ) : (
            <span class="inline-icon">
              <RunStatusIcon status={row.lastRun.status} />
              {row.lastRun.jobRemoved ? (
                <DateTime ms={row.lastRun.date} timeZone={props.timeZone} />
              ) : (
                <a href={jobHref(row.lastRun.jobId)}>
                  <DateTime ms={row.lastRun.date} timeZone={props.timeZone} />
                </a>
              )}
            </span>
          )}
        </Field>
      </dl>

      <form method="post" action={props.action} class="schedule-form" aria-labelledby="report-title" novalidate>
        <h3 id="report-title">Execution report</h3>
        <FormHead form="report" csrfToken={props.csrfToken} saved={props.saved ? 'Report settings saved.' : null} error={error} inline={RECIPIENTS} />
        <fieldset class="plain" disabled={!props.canWrite}>
          <legend class="visually-hidden">Execution report</legend>
          <label class="check">
            <input type="checkbox" name="reportEnabled" id="report-enabled" checked={props.draft.enabled} />
            Send the report when a run ends
          </label>
          <div class="field field--wide">
            <label for="recipients">Recipient addresses</label>
            <textarea
              id="recipients"
              name="recipients"
              rows={3}
              aria-invalid={invalid(error, RECIPIENTS)}
              aria-describedby={describedBy('recipients-hint', 'recipients-error', error, RECIPIENTS)}
            >
              {props.draft.recipients}
            </textarea>
            <FieldErrorText id="recipients-error" error={error} fields={RECIPIENTS} />
            <p class="hint" id="recipients-hint">
              One address a line, or separated by commas. Each address is asked once to confirm it wants the reports.
            </p>
          </div>
        </fieldset>
        {!props.reportsEnabled && <p class="hint">This installation has no report topic configured: the addresses are kept, but no report is sent.</p>}
        {lastReport !== null && (
          <p class="hint" id="last-report">
            {lastReport.error === null
              ? `Last report sent ${formatDateTime(lastReport.at, props.timeZone)}.`
              : `The last report could not be sent (${formatDateTime(lastReport.at, props.timeZone)}): ${lastReport.error}`}
          </p>
        )}
        {props.canWrite && (
          <div class="form-actions">
            <button type="submit" class="button button--primary">
              Save report settings
            </button>
          </div>
        )}
      </form>
    </>
  );
}
