/** @jsxImportSource hono/jsx */
import { JOB_STATUSES } from '@stint/core';
import { toInputValue } from './time-format.ts';

const RANGES = [
  { label: 'Created', from: 'createFrom', to: 'createTo' },
  { label: 'Started', from: 'startFrom', to: 'startTo' },
  { label: 'Ended', from: 'endFrom', to: 'endTo' },
] as const;

const PAGE_SIZES = ['25', '50', '100', '200'];

/**
 * The list's filters as a plain GET form: it works without the script, and the server turns
 * what it submits into the canonical URL (list-url.ts), so the URL always shows the view.
 */
export function JobFilters(props: { params: URLSearchParams; types: string[]; timeZone: string }) {
  const { params, timeZone } = props;
  const statuses = new Set((params.get('status') ?? '').split(',').filter(Boolean));
  const type = params.get('type') ?? '';
  const types = type !== '' && !props.types.includes(type) ? [...props.types, type] : props.types;
  const ms = (name: string) => (params.has(name) && /^\d+$/.test(params.get(name)!) ? Number(params.get(name)) : null);
  const rangesOpen = RANGES.some((r) => params.has(r.from) || params.has(r.to));
  return (
    <form class="filters" method="get" action="/jobs" role="search" aria-label="Filter jobs">
      <div class="filters__row">
        <div class="field field--grow">
          <label for="f-q">Search</label>
          <input id="f-q" type="search" name="q" value={params.get('q') ?? ''} placeholder="Label, type or user" maxlength={200} />
        </div>
        <div class="field">
          <label for="f-type">Type</label>
          <select id="f-type" name="type">
            <option value="">Any type</option>
            {types.map((t) => (
              <option value={t} selected={t === type}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-errors">Errors</label>
          <select id="f-errors" name="hasErrors">
            <option value="">Any</option>
            <option value="true" selected={params.get('hasErrors') === 'true'}>
              With errors
            </option>
            <option value="false" selected={params.get('hasErrors') === 'false'}>
              Without errors
            </option>
          </select>
        </div>
        <div class="field">
          <label for="f-sort">Sort by</label>
          <select id="f-sort" name="sort">
            <option value="date">Date, newest first</option>
            <option value="name" selected={params.get('sort') === 'name'}>
              Name
            </option>
          </select>
        </div>
        <div class="field">
          <label for="f-size">Per page</label>
          <select id="f-size" name="_size">
            {PAGE_SIZES.map((size) => (
              <option value={size} selected={(params.get('_size') ?? '50') === size}>
                {size}
              </option>
            ))}
          </select>
        </div>
      </div>
      <fieldset class="filters__statuses">
        <legend>Status</legend>
        {JOB_STATUSES.map((status) => (
          <label class="check">
            <input type="checkbox" name="status" value={status} checked={statuses.has(status)} />
            {status.charAt(0) + status.slice(1).toLowerCase()}
          </label>
        ))}
      </fieldset>
      <details class="filters__ranges" open={rangesOpen}>
        <summary>Date ranges</summary>
        <div class="filters__row">
          {RANGES.map((range) => (
            <fieldset class="range">
              <legend>{range.label}</legend>
              <label for={`f-${range.from}`}>From</label>
              <input id={`f-${range.from}`} type="datetime-local" name={range.from} value={toInputValue(ms(range.from), timeZone)} />
              <label for={`f-${range.to}`}>To</label>
              <input id={`f-${range.to}`} type="datetime-local" name={range.to} value={toInputValue(ms(range.to), timeZone)} />
            </fieldset>
          ))}
        </div>
      </details>
      <div class="filters__actions">
        <label class="check switch">
          <input type="checkbox" name="system" value="true" checked={params.get('system') === 'true'} />
          Show system jobs
        </label>
        <label class="check switch">
          <input type="checkbox" name="children" value="true" checked={params.get('children') === 'true'} />
          Show child jobs
        </label>
        <span class="spacer"></span>
        <a class="button button--quiet" href="/jobs">
          Reset
        </a>
        <button type="submit" class="button button--primary">
          Apply filters
        </button>
      </div>
    </form>
  );
}
