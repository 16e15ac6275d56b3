// The browser's copy of views/job-cells.tsx and the list row of views/jobs-table.tsx.
import { el } from './common.js';
import { formatDateTime, formatDuration, statusLabel, statusTone, waitingTicks } from './format.js';

export function jobHref(id) {
  return `/jobs/${encodeURIComponent(id)}`;
}

export function statusBadge(job) {
  return el('span', { class: `badge badge--${statusTone(job)}` }, statusLabel(job));
}

export function progress(value, label) {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  return el(
    'span',
    { class: 'progress' },
    el('progress', { max: 100, value: v, 'aria-label': label }, `${v}%`),
    el('span', { class: 'progress__text' }, `${v}%`),
  );
}

export function waiting(job) {
  return el('span', { class: 'duration', 'data-tick-from': waitingTicks(job) ? job.createDate : null }, formatDuration(job.waiting));
}

export function duration(job) {
  const ticking = job.startDate !== null && job.endDate === null;
  return el('span', { class: 'duration', 'data-tick-from': ticking ? job.startDate : null }, job.startDate === null ? '—' : formatDuration(job.duration));
}

export function dateTime(ms) {
  if (ms === null) return el('span', { class: 'muted' }, '—');
  const [date, time] = formatDateTime(ms).split(' ');
  return el('time', { datetime: new Date(ms).toISOString() }, el('span', { class: 'date' }, date), ' ', el('span', { class: 'time' }, time));
}

export function childrenCount(job) {
  const { finished, total } = job.childrenProgress;
  return total === 0 ? el('span', { class: 'muted' }, '—') : el('span', { class: 'children-count' }, `${finished} / ${total}`);
}

export function errorsFlag(job) {
  return job.hasErrors ? el('span', { class: 'flag flag--error' }, 'Yes') : el('span', { class: 'muted' }, 'No');
}

export function lowPriorityFlag(job) {
  return job.lowPriority ? el('span', { class: 'flag flag--low' }, 'Low') : el('span', { class: 'muted' }, 'No');
}

export function runBy(job) {
  return job.runBy ? el('span', {}, job.runBy.name) : el('span', { class: 'muted' }, 'System');
}

export function jobName(job) {
  return [
    el('a', { href: jobHref(job.id) }, job.label),
    el('span', { class: 'job-type' }, `${job.type}${job.system ? ' · system' : ''}`),
    el('span', { class: 'job-id' }, job.id),
  ];
}

export function jobRow(job, { selectable, rules, selected, showTenant }) {
  const cell = (label, content, nowrap = false) => el('td', { class: nowrap ? 'nowrap' : null, 'data-label': label }, content);
  return el(
    'tr',
    {
      'data-id': job.id,
      'data-status': job.status,
      'data-low-priority': String(job.lowPriority),
      'data-has-errors': String(job.hasErrors),
      'data-restartable': String(rules.restartable),
      'data-retryable': String(rules.retryable),
      class: selected ? 'is-selected' : null,
    },
    selectable
      ? el(
          'td',
          { class: 'col-select' },
          el('input', { type: 'checkbox', class: 'row-select', value: job.id, 'aria-label': `Select ${job.label}, ${job.id}`, checked: selected }),
        )
      : null,
    el('th', { scope: 'row', class: 'col-job' }, jobName(job)),
    showTenant ? cell('Tenant', job.tenant) : null,
    cell('Created', dateTime(job.createDate), true),
    cell('Waiting', waiting(job), true),
    cell('Started', dateTime(job.startDate), true),
    cell('Duration', duration(job), true),
    cell('Status', statusBadge(job)),
    cell('Errors', errorsFlag(job)),
    cell('Low priority', lowPriorityFlag(job)),
    cell('Run by', runBy(job)),
    cell('Progress', progress(job.progress, `Progress of ${job.label}`)),
    cell('Children', childrenCount(job)),
  );
}
