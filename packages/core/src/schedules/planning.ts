import { Cron } from 'croner';
import type { AutomaticSchedule } from '@stint/sdk';
import * as z from 'zod';
import { timeZoneSchema } from '../time-zones.ts';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const CRON_WEEKDAY: Record<Weekday, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

export const PLANNING_TYPES = ['automatic', 'scheduled', 'disabled'] as const;
export type PlanningType = (typeof PLANNING_TYPES)[number];

/**
 * How one schedule (of one tenant) is planned: the developer's own cron (`automatic`, the
 * default), days of the week × times of day an administrator picked in a time zone
 * (`scheduled`), or only by hand (`disabled`).
 */
export type Planning = { type: 'automatic' } | { type: 'scheduled'; days: Weekday[]; times: string[]; timeZone: string } | { type: 'disabled' };

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export const planningSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('automatic') }),
  z.strictObject({
    type: z.literal('scheduled'),
    days: z
      .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}` }))
      .min(1, 'must list at least one day of the week')
      .refine((days) => new Set(days).size === days.length, 'must not repeat a day')
      .meta({ uniqueItems: true })
      .transform((days) => WEEKDAYS.filter((day) => days.includes(day))),
    times: z
      .array(z.string().regex(TIME, 'must be HH:MM on a 24-hour clock'))
      .min(1, 'must list at least one time of day')
      .max(24, 'must list at most 24 times of day')
      .refine((times) => new Set(times).size === times.length, 'must not repeat a time')
      .meta({ uniqueItems: true })
      .transform((times) => [...times].sort()),
    timeZone: timeZoneSchema,
  }),
  z.strictObject({ type: z.literal('disabled') }),
]);

/** The cron patterns a planning fires on; none when disabled. Pure. */
export function patternsOf(planning: Planning, automatic: AutomaticSchedule): AutomaticSchedule[] {
  switch (planning.type) {
    case 'automatic':
      return [automatic];
    case 'disabled':
      return [];
    case 'scheduled': {
      const days = planning.days.map((day) => CRON_WEEKDAY[day]).join(',');
      return planning.times.map((time) => {
        const [hour, minute] = time.split(':').map(Number);
        return { cron: `${minute} ${hour} * * ${days}`, timeZone: planning.timeZone };
      });
    }
  }
}

/**
 * Wall-clock times are read in the planning's zone (croner does the zone math): a time the
 * spring-forward gap skips runs when the clocks jump (02:30 → 03:00), a time the fall-back
 * hour repeats runs once, at its first occurrence; hourly patterns run every real hour.
 */
function cronOf(pattern: AutomaticSchedule): Cron {
  return new Cron(pattern.cron, { timezone: pattern.timeZone, paused: true });
}

/** The first slot strictly after `after` (ms), or null when the planning never fires. */
export function nextSlot(planning: Planning, automatic: AutomaticSchedule, after: number): number | null {
  let best: number | null = null;
  for (const pattern of patternsOf(planning, automatic)) {
    const next = cronOf(pattern).nextRun(new Date(after))?.getTime();
    if (next !== undefined && (best === null || next < best)) best = next;
  }
  return best;
}

/** The last slot at or before `atOrBefore` (ms): after downtime, the one missed slot to run. */
export function latestSlot(planning: Planning, automatic: AutomaticSchedule, atOrBefore: number): number | null {
  let best: number | null = null;
  for (const pattern of patternsOf(planning, automatic)) {
    // previousRuns looks strictly before its reference; one ms later includes a slot at `atOrBefore`.
    const previous = cronOf(pattern)
      .previousRuns(1, new Date(atOrBefore + 1))[0]
      ?.getTime();
    if (previous !== undefined && (best === null || previous > best)) best = previous;
  }
  return best;
}
