/** @jsxImportSource hono/jsx */
import { type ScheduleRow, WEEKDAYS } from '@stint/core/schedules';
import { TIME_ZONES } from '@stint/core';
import type { FieldError, PlanningDraft } from '../schedule-form.ts';
import { describedBy, FieldErrorText, FormHead, invalid } from './field-error.tsx';
import { Field } from './field-row.tsx';
import { DateTime } from './job-cells.tsx';
import { PLANNING_LABEL, planningDetail, WEEKDAY_LABEL } from './planning-text.ts';

const TYPE_FIELDS = ['planning', 'planning.type'];
const DAYS = ['planning.days'];
const TIMES = ['planning.times'];
const ZONE = ['planning.timeZone'];
const KNOWN = [...TYPE_FIELDS, ...DAYS, ...TIMES, ...ZONE];

/**
 * Automatic (the cron in code), scheduled (days × times in a zone) or disabled. The days,
 * times and zone are always in the form and count only when "Scheduled" is picked; the
 * script greys them out otherwise and adds or removes time fields.
 */
export function SchedulePlanningTab(props: {
  row: ScheduleRow;
  action: string;
  canWrite: boolean;
  csrfToken: string;
  timeZone: string;
  draft: PlanningDraft;
  saved: boolean;
  error: FieldError | null;
  automaticNext: number | null;
}) {
  const { row, draft, error } = props;
  const detail = planningDetail(row.planning);
  // Without the script, a blank field is how another time gets added.
  const times = props.canWrite ? [...draft.times, ''] : draft.times;
  const option = (type: 'automatic' | 'scheduled' | 'disabled', hint: string) => (
    <label class="radio">
      <input type="radio" name="planning" value={type} checked={draft.type === type} aria-invalid={invalid(error, TYPE_FIELDS)} />
      <span>
        <strong>{PLANNING_LABEL[type]}</strong> <span class="muted">{hint}</span>
      </span>
    </label>
  );
  return (
    <>
      <h2 class="visually-hidden">Scheduling</h2>
      <dl class="fields">
        <Field label="Planning" id="current-planning">
          {PLANNING_LABEL[row.planning.type]}
          {detail !== null && <span class="cell-detail">{detail}</span>}
        </Field>
        <Field label="Next run" id="next-run">
          {row.nextRunAt === null ? <span class="muted">None: runs only when started by hand</span> : <DateTime ms={row.nextRunAt} timeZone={props.timeZone} />}
        </Field>
        <Field label="Automatic planning (in code)" id="automatic-planning">
          <code>{row.automatic.cron}</code> <span class="muted">({row.automatic.timeZone})</span>
          {props.automaticNext !== null && (
            <span class="cell-detail">
              would next run <DateTime ms={props.automaticNext} timeZone={props.timeZone} />
            </span>
          )}
        </Field>
      </dl>

      <form method="post" action={props.action} class="schedule-form" id="planning-form" aria-labelledby="planning-title" novalidate>
        <h3 id="planning-title">Change the planning</h3>
        <FormHead form="planning" csrfToken={props.csrfToken} saved={props.saved ? 'Scheduling saved.' : null} error={error} inline={KNOWN} />
        <fieldset class="plain" disabled={!props.canWrite}>
          <legend class="visually-hidden">Planning</legend>
          <fieldset class="choices" aria-describedby={describedBy(null, 'type-error', error, TYPE_FIELDS)}>
            <legend>Planning</legend>
            {option('automatic', `as defined in code: ${row.automatic.cron} (${row.automatic.timeZone})`)}
            {option('scheduled', 'on the days and at the times below')}
            {option('disabled', 'runs only when started by hand')}
            <FieldErrorText id="type-error" error={error} fields={TYPE_FIELDS} />
          </fieldset>

          <div class="planning-detail" id="planning-detail">
            <fieldset class="choices choices--row" aria-describedby={describedBy(null, 'days-error', error, DAYS)}>
              <legend>Days of the week</legend>
              {WEEKDAYS.map((day) => (
                <label class="check">
                  <input type="checkbox" name="days" value={day} checked={draft.days.includes(day)} aria-invalid={invalid(error, DAYS)} />
                  {WEEKDAY_LABEL[day]}
                </label>
              ))}
              <FieldErrorText id="days-error" error={error} fields={DAYS} />
            </fieldset>

            <fieldset class="choices" aria-describedby={describedBy('times-hint', 'times-error', error, TIMES)}>
              <legend>Times of day</legend>
              <ul class="times" id="times">
                {times.map((time, index) => (
                  <li class="times__item">
                    <label for={`time-${index}`} class="visually-hidden">{`Time ${index + 1}`}</label>
                    <input type="time" id={`time-${index}`} name="times" value={time} aria-invalid={invalid(error, TIMES)} />
                    <button type="button" class="button button--quiet remove-time" hidden aria-label={`Remove time ${index + 1}`}>
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
              <button type="button" class="button" id="add-time" hidden>
                Add a time
              </button>
              <FieldErrorText id="times-error" error={error} fields={TIMES} />
              <p class="hint" id="times-hint">
                Each time runs on each day picked.
              </p>
            </fieldset>

            <div class="field">
              <label for="time-zone">Time zone</label>
              <input
                id="time-zone"
                name="timeZone"
                list="time-zones"
                value={draft.timeZone}
                autocomplete="off"
                aria-invalid={invalid(error, ZONE)}
                aria-describedby={describedBy('time-zone-hint', 'time-zone-error', error, ZONE)}
              />
              <FieldErrorText id="time-zone-error" error={error} fields={ZONE} />
              <p class="hint" id="time-zone-hint">
                An IANA zone such as Europe/Paris: the times are read in it, summer time included.
              </p>
              <datalist id="time-zones">
                {TIME_ZONES.map((zone) => (
                  <option value={zone}></option>
                ))}
              </datalist>
            </div>
          </div>
        </fieldset>
        {props.canWrite && (
          <div class="form-actions">
            <button type="submit" class="button button--primary">
              Save scheduling
            </button>
          </div>
        )}
      </form>
    </>
  );
}
