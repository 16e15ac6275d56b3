/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { ScheduleRow } from '@stint/core/schedules';
import type { FieldError, PlanningDraft, ReportDraft, ScheduleForm } from '../schedule-form.ts';
import { scheduleHref } from '../schedule-url.ts';
import { LogDialog } from './log-dialog.tsx';
import { ScheduleInfoTab } from './schedule-info-tab.tsx';
import { SchedulePlanningTab } from './schedule-planning-tab.tsx';
import { ScheduleRunsTab, type RunsView } from './schedule-runs-tab.tsx';
import { rowName } from './schedules-table.tsx';

export const SCHEDULE_TABS = [
  { id: 'information', label: 'Information' },
  { id: 'scheduling', label: 'Scheduling' },
  { id: 'runs', label: 'Latest executions' },
] as const;
export type ScheduleTab = (typeof SCHEDULE_TABS)[number]['id'];

/** The tab a form belongs to, to show its outcome there. */
export const TAB_OF_FORM: Record<ScheduleForm, ScheduleTab> = { report: 'information', planning: 'scheduling' };

export function tabOf(value: string | null): ScheduleTab {
  return SCHEDULE_TABS.find((tab) => tab.id === value)?.id ?? 'information';
}

export interface SchedulePageProps {
  row: ScheduleRow;
  tab: ScheduleTab;
  canWrite: boolean;
  csrfToken: string;
  timeZone: string;
  /** The form just saved, to confirm it. */
  saved: ScheduleForm | null;
  /** A refused save: which form, and what it refused. */
  refused: { form: ScheduleForm; error: FieldError } | null;
  report: ReportDraft;
  planning: PlanningDraft;
  /** Reports go out only where a report topic is configured. */
  reportsEnabled: boolean;
  /** When the automatic planning would run next, for reference. */
  automaticNext: number | null;
  runs: RunsView;
}

/**
 * A schedule's window. The tabs are links (`?tab=`), so each works without the script, which
 * switches them in place; all three panels are in the page, the others hidden.
 */
export function SchedulePage(props: SchedulePageProps) {
  const { row, tab } = props;
  const action = scheduleHref(row);
  const errorOf = (form: ScheduleForm) => (props.refused?.form === form ? props.refused.error : null);
  const panels: Record<ScheduleTab, Child> = {
    information: (
      <ScheduleInfoTab
        row={row}
        action={action}
        canWrite={props.canWrite}
        csrfToken={props.csrfToken}
        timeZone={props.timeZone}
        draft={props.report}
        saved={props.saved === 'report'}
        error={errorOf('report')}
        reportsEnabled={props.reportsEnabled}
      />
    ),
    scheduling: (
      <SchedulePlanningTab
        row={row}
        action={action}
        canWrite={props.canWrite}
        csrfToken={props.csrfToken}
        timeZone={props.timeZone}
        draft={props.planning}
        saved={props.saved === 'planning'}
        error={errorOf('planning')}
        automaticNext={props.automaticNext}
      />
    ),
    runs: <ScheduleRunsTab row={row} view={props.runs} timeZone={props.timeZone} />,
  };
  return (
    <>
      <nav class="breadcrumb" aria-label="Breadcrumb">
        <a href="/schedules">Scheduled jobs</a>
        <span aria-hidden="true"> / </span>
        <span aria-current="page">{rowName(row)}</span>
      </nav>
      <div class="page-header">
        <div>
          <h1 class="job-title">{row.id}</h1>
          <p class="page-header__lead">
            {row.tenant === null ? 'Installation-wide' : `Tenant ${row.tenant}`} · <span class="job-type">{row.jobType}</span>
          </p>
        </div>
        <div class="page-actions">
          <a class="button" href="/schedules">
            Back to schedules
          </a>
        </div>
      </div>
      <div class="tabs" role="tablist" aria-label="Schedule" id="schedule-tabs">
        {SCHEDULE_TABS.map(({ id, label }) => (
          <a
            class="tab"
            role="tab"
            id={`tab-${id}`}
            href={scheduleHref(row, id === 'information' ? {} : { tab: id })}
            aria-controls={`panel-${id}`}
            aria-selected={id === tab ? 'true' : 'false'}
            tabindex={id === tab ? 0 : -1}
            data-tab={id}
          >
            {label}
          </a>
        ))}
      </div>
      {SCHEDULE_TABS.map(({ id }) => (
        <section class="panel tab-panel" role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} hidden={id !== tab} tabindex={0}>
          {panels[id]}
        </section>
      ))}
      <LogDialog />
    </>
  );
}
