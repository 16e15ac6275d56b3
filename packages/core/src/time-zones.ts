import * as z from 'zod';

/**
 * The IANA time zones this runtime knows, by the names it calls them: the document lists them
 * as an enum, so a client can offer them and validate before sending. `Intl.supportedValuesOf`
 * gives the geographic zones; UTC and the fixed offsets (`Etc/GMT-14` … `Etc/GMT+12`) are
 * added, as Intl takes them but does not list them.
 */
export const TIME_ZONES: readonly [string, ...string[]] = [
  'UTC',
  ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC'),
  ...Array.from({ length: 27 }, (_, i) => (i === 14 ? 'Etc/GMT' : `Etc/GMT${i < 14 ? '-' : '+'}${Math.abs(i - 14)}`)).filter(
    (zone) => runtimeName(zone) === zone,
  ),
];

const KNOWN = new Set(TIME_ZONES);

/**
 * The name this runtime gives a zone (`Asia/Kolkata` → `Asia/Calcutta` on Node 20, which lists
 * only the latter; `europe/paris` → `Europe/Paris`), or undefined for a name it does not know.
 */
function runtimeName(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Whether `name` is a zone of TIME_ZONES, by that name or by another one of the same zone. */
export function isTimeZone(name: string): boolean {
  const known = name.length <= 64 ? runtimeName(name) : undefined;
  return known !== undefined && KNOWN.has(known);
}

/**
 * A time zone as callers send it. Another name of a listed zone is accepted as given: browsers
 * and runtimes disagree on which of two names is canonical (Firefox says Asia/Kolkata where
 * Node 20 lists Asia/Calcutta), and refusing the one a browser reports would refuse its user.
 */
export const timeZoneSchema = z
  .string()
  .refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris' })
  .meta({
    enum: [...TIME_ZONES],
    description: 'An IANA time zone: one of these names, or another name of one of these zones (Asia/Kolkata for Asia/Calcutta, Etc/UTC for UTC)',
  });
