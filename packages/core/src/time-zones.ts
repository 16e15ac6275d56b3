import * as z from 'zod';

/**
 * The IANA time zones this runtime knows, as an enum: the document lists exactly the names the
 * server accepts, so a client can offer them and validate before sending. `UTC` is accepted
 * everywhere but is not in `Intl.supportedValuesOf` (it lists geographic zones only).
 */
export const TIME_ZONES: readonly [string, ...string[]] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];

export const timeZoneSchema = z.enum(TIME_ZONES, { error: 'must be an IANA time zone such as Europe/Paris' });
