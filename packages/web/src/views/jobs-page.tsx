/** @jsxImportSource hono/jsx */
import type { Job } from '@stint/core';
import type { Summary, SummaryRead } from '@stint/core/query';
import { DegradedNotice } from './degraded-notice.tsx';
import { href, withParams, type Pager } from '../list-url.ts';
import { PILLS } from './job-status.ts';
import { JobFilters } from './job-filters.tsx';
import { JobsTable } from './jobs-table.tsx';
import type { OperationRules } from './operation-rules.ts';
import { CLEAR_INACTIVE_CONFIRMATION, ConfirmDialog, confirmAttributes, OperationsToolbar } from './operations.tsx';

export interface JobsPageProps {
  summary: SummaryRead;
  jobs: Job[];
  /** The canonical URL parameters of this view. */
  params: URLSearchParams;
  pager: Pager;
  partial: boolean;
  types: string[];
  error: string | null;
  canWrite: boolean;
  timeZone: string;
  rules: (job: Job) => OperationRules;
  /** An admin sees every tenant's jobs: the table gets a Tenant column. */
  showTenant: boolean;
}

const CARDS = [
  { key: 'total', label: 'Total' },
  { key: 'active', label: 'Active' },
  { key: 'completed', label: 'Completed' },
  { key: 'failed', label: 'Failed' },
] as const;

/** The export takes the find filters; the pager's parameters mean nothing to it. */
export function exportHref(params: URLSearchParams): string {
  return href('/api/jobs/export.csv', withParams(params, { cursor: null, trail: null, page: null, _size: null }));
}

/** Ended jobs the cards count: what Clear inactive would remove (with their children). */
function endedCount(summary: Summary): number {
  return summary.completed + summary.failed + summary.canceled;
}

export function JobsPage(props: JobsPageProps) {
  const { params, summary, pager } = props;
  const current = activePill(params);
  return (
    <>
      <div class="page-header">
        <div>
          <h1>Jobs</h1>
          <p class="page-header__lead">Background jobs, newest first. Select jobs to act on them.</p>
        </div>
        <div class="page-actions">
          <button type="button" class="button toggle" id="auto-refresh" aria-pressed="false">
            Auto refresh <span class="toggle__state" aria-hidden="true"></span>
          </button>
          <button type="button" class="button" id="refresh">
            Refresh
          </button>
          <a class="button" id="export-csv" href={exportHref(params)} download="jobs-export.csv">
            Export CSV
          </a>
          {props.canWrite && (
            <button
              type="button"
              class="button button--danger-quiet"
              id="clear-inactive"
              hidden={endedCount(summary) === 0}
              data-ended={String(endedCount(summary))}
              {...confirmAttributes(CLEAR_INACTIVE_CONFIRMATION)}
            >
              Clear inactive
            </button>
          )}
        </div>
      </div>

      <DegradedNotice degraded={summary.degraded === true} what="counts" id="counts-degraded" />
      <ul class="cards" aria-label="Job counts">
        {CARDS.map(({ key, label }) => (
          <li class={`card card--${key}`}>
            <span class="card__label">{label}</span>
            <span class="card__value" id={`count-${key}`}>
              {summary[key].toLocaleString('en-US')}
            </span>
          </li>
        ))}
      </ul>

      <nav class="pills" aria-label="Show jobs by state">
        {PILLS.map((pill) => (
          <a
            class="pill"
            href={href('/jobs', withParams(params, { status: null, hasErrors: null, cursor: null, trail: null, page: null, ...pill.params }))}
            aria-current={pill.id === current ? 'true' : undefined}
          >
            {pill.label}
          </a>
        ))}
      </nav>

      <JobFilters params={params} types={props.types} timeZone={props.timeZone} />

      {props.error !== null && (
        <div class="alert alert--error" role="alert">
          <strong>These filters cannot be applied:</strong> {props.error}
        </div>
      )}

      <OperationsToolbar canWrite={props.canWrite} scope="selection" />

      <JobsTable
        jobs={props.jobs}
        caption={`Jobs, page ${pager.page}${params.get('sort') === 'name' ? ', by name' : ', newest first'}`}
        timeZone={props.timeZone}
        selectable={props.canWrite}
        rules={props.rules}
        showTenant={props.showTenant}
        emptyText={props.error === null ? 'No jobs match these filters.' : 'Fix the filters to see jobs.'}
      />

      {props.partial && <p class="hint">This page stopped early to stay fast: more jobs may match. Use Next, or narrow the filters.</p>}

      <nav class="pager" aria-label="Pages">
        <PagerLink to={pager.first} label="First" />
        <PagerLink to={pager.previous} label="Previous" />
        <span class="pager__page">Page {pager.page}</span>
        <PagerLink to={pager.next} label="Next" />
      </nav>

      <ConfirmDialog />
    </>
  );
}

function PagerLink(props: { to: URLSearchParams | null; label: string }) {
  if (props.to === null) {
    return (
      <span class="button button--quiet is-disabled" aria-disabled="true">
        {props.label}
      </span>
    );
  }
  return (
    <a class="button button--quiet" href={href('/jobs', props.to)} rel={props.label === 'Next' ? 'next' : props.label === 'Previous' ? 'prev' : undefined}>
      {props.label}
    </a>
  );
}

function activePill(params: URLSearchParams): string | null {
  const status = [...new Set((params.get('status') ?? '').split(',').filter(Boolean))].sort().join(',');
  const hasErrors = params.get('hasErrors') ?? '';
  for (const pill of PILLS) {
    const p = pill.params as Record<string, string>;
    const pillStatus = (p.status ?? '').split(',').filter(Boolean).sort().join(',');
    if (pillStatus === status && (p.hasErrors ?? '') === hasErrors) return pill.id;
  }
  return null;
}
