/**
 * Australia/Sydney civil time, written out instead of read from ICU so that conversions are exact and the same on
 * every machine. Rule in force since 2008: daylight time (AEDT, UTC+11) from the first Sunday of October at 02:00
 * standard time until the first Sunday of April at 03:00 daylight time; standard time (AEST, UTC+10) otherwise.
 * Both changes happen at 16:00 UTC on the Saturday before.
 */

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

/** 16:00 UTC on the day before the first Sunday of `month` (0-based) in `year`: the instant Sydney changes clocks. */
function changeInstantMs(year: number, month: number): number {
  const first = Date.UTC(year, month, 1)
  const dow = new Date(first).getUTCDay()
  const firstSunday = first + ((7 - dow) % 7) * DAY_MS
  return firstSunday - 8 * HOUR_MS
}

/** UTC offset of Sydney civil time at the UTC instant `utcMs`, in milliseconds (10 or 11 hours). */
export function sydneyOffsetMs(utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear()
  const dstEnd = changeInstantMs(year, 3)
  const dstStart = changeInstantMs(year, 9)
  return utcMs < dstEnd || utcMs >= dstStart ? 11 * HOUR_MS : 10 * HOUR_MS
}

/** How a Sydney wall-clock time maps to UTC: once, not at all (spring forward gap) or twice (fall back). */
export type SydneyLocal =
  | { kind: 'unique'; utcMs: number }
  | { kind: 'skipped' }
  | { kind: 'repeated'; firstUtcMs: number; secondUtcMs: number }

/**
 * Converts a Sydney wall-clock time, given as if it were UTC (`Date.UTC(y, m, d, h, min)`), to UTC.
 *
 * @example
 * sydneyLocalToUtc(Date.UTC(2012, 0, 1, 12)) // { kind: 'unique', utcMs: Date.UTC(2012, 0, 1, 1) } (AEDT)
 */
export function sydneyLocalToUtc(wallMs: number): SydneyLocal {
  const asDst = wallMs - 11 * HOUR_MS
  const asStd = wallMs - 10 * HOUR_MS
  const dstOk = sydneyOffsetMs(asDst) === 11 * HOUR_MS
  const stdOk = sydneyOffsetMs(asStd) === 10 * HOUR_MS
  if (dstOk && stdOk) return { kind: 'repeated', firstUtcMs: asDst, secondUtcMs: asStd }
  if (dstOk) return { kind: 'unique', utcMs: asDst }
  if (stdOk) return { kind: 'unique', utcMs: asStd }
  return { kind: 'skipped' }
}
