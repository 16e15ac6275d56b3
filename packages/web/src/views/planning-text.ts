import { type Planning, type PlanningType, type Weekday, WEEKDAYS } from '@stint/core/schedules';

/** How plannings read in the monitor. */
export const PLANNING_LABEL: Record<PlanningType, string> = { automatic: 'Automatic', scheduled: 'Scheduled', disabled: 'Disabled' };

export const WEEKDAY_LABEL: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/** "Mon–Fri at 09:00, 18:00 (Europe/Paris)"; a run of three or more days in a row is a range. */
function scheduledSummary(planning: Extract<Planning, { type: 'scheduled' }>): string {
  const short = (day: Weekday) => WEEKDAY_LABEL[day].slice(0, 3);
  const indexes = planning.days.map((day) => WEEKDAYS.indexOf(day)).sort((a, b) => a - b);
  const runs: number[][] = [];
  for (const index of indexes) {
    const last = runs.at(-1);
    if (last && last.at(-1) === index - 1) last.push(index);
    else runs.push([index]);
  }
  const days =
    indexes.length === 7
      ? 'Every day'
      : runs
          .flatMap((run) => (run.length >= 3 ? [`${short(WEEKDAYS[run[0]!]!)}–${short(WEEKDAYS[run.at(-1)!]!)}`] : run.map((i) => short(WEEKDAYS[i]!))))
          .join(', ');
  return `${days} at ${planning.times.join(', ')} (${planning.timeZone})`;
}

export function planningDetail(planning: Planning): string | null {
  if (planning.type === 'scheduled') return scheduledSummary(planning);
  if (planning.type === 'disabled') return 'Runs only when started by hand';
  return null;
}
