/** @jsxImportSource hono/jsx */
import { RUN_STATUSES } from '@stint/core/schedules';
import { RUN_STATUS_LABEL, RunStatusShape } from './schedule-icons.tsx';

/**
 * Status filters as icons clicked on and off: a pressed icon shows its rows. Each is a real
 * checkbox (the GET form works without the script, and the state is announced) drawn as an
 * icon. All pressed, the default, is no filter at all, so rows never run show too; none
 * pressed means the same.
 */
export function RunStatusToggles(props: { name: string; selected: string | null; legend: string }) {
  const selected = new Set(props.selected === null ? RUN_STATUSES : props.selected.split(','));
  return (
    <fieldset class="status-toggles">
      <legend class="visually-hidden">{props.legend}</legend>
      {RUN_STATUSES.map((status) => (
        <label class="status-toggle" title={RUN_STATUS_LABEL[status]}>
          <input type="checkbox" name={props.name} value={status} checked={selected.has(status)} class="status-toggle__box" />
          <RunStatusShape status={status} />
          <span class="status-toggle__text">{RUN_STATUS_LABEL[status]}</span>
        </label>
      ))}
    </fieldset>
  );
}
