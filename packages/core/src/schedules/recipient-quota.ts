import { RateLimitedError } from '../errors.ts';
import type { UpdateSpec } from '../store/update-expression.ts';
import type { ScheduleStore } from './schedule-store.ts';

/**
 * New report addresses one schedule of one tenant may subscribe per UTC day. Each new address
 * makes SNS send a confirmation mail, so without a limit whoever may edit a schedule could have
 * Stint mail any number of strangers, 20 a request. A day's allowance covers a full list
 * (MAX_RECIPIENTS) and some corrections; addresses already on the list cost nothing.
 */
export const NEW_RECIPIENTS_PER_DAY = 30;

const DAY_MS = 86_400_000;

/** The UTC day the allowance is counted in. Pure. */
export function quotaDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/**
 * The count lives on the schedule's row and moves by conditional writes, so every api instance
 * sees the same allowance and two saves racing cannot both spend its last places. Neither write
 * touches the row's version: a planning change racing this one does not have to retry. Pure.
 */
export function sameDaySpec(day: string, count: number): UpdateSpec {
  return {
    add: { recipientsAdded: count },
    condition: 'attribute_exists(#pk) AND #recipientsDay = :day AND #recipientsAdded <= :room',
    values: { ':day': day, ':room': NEW_RECIPIENTS_PER_DAY - count },
  };
}

/** The first new addresses of a day start its count afresh. Pure. */
export function newDaySpec(day: string, count: number): UpdateSpec {
  return {
    set: { recipientsDay: day, recipientsAdded: count },
    condition: 'attribute_exists(#pk) AND (attribute_not_exists(#recipientsDay) OR #recipientsDay <> :day)',
    values: { ':day': day },
  };
}

/**
 * Spends `count` of the row's allowance before anything is subscribed, or refuses with 429 until
 * the next UTC day. Spending first keeps the limit under a crash: a save that dies after this
 * write has spent places without sending mail, never the other way round.
 */
export async function spendRecipientAllowance(store: ScheduleStore, row: { tenant: string; scheduleId: string }, count: number, now: number): Promise<void> {
  if (count === 0) return;
  const day = quotaDay(now);
  if (count <= NEW_RECIPIENTS_PER_DAY) {
    // Same day, else a new day; a racing save may start the day between the two, so once more.
    for (const spec of [sameDaySpec(day, count), newDaySpec(day, count), sameDaySpec(day, count)]) {
      if ((await store.touch(row.tenant, row.scheduleId, spec)) !== null) return;
    }
  }
  const retryAfter = Math.max(1, Math.ceil((DAY_MS - (now % DAY_MS)) / 1000));
  throw new RateLimitedError(
    retryAfter,
    `schedule ${row.scheduleId} may get at most ${NEW_RECIPIENTS_PER_DAY} new report addresses a day (each is sent a confirmation mail); try again in ${retryAfter} s`,
  );
}
