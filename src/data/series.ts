import { fileURLToPath } from 'node:url'

/** Half an hour in milliseconds: the resolution of both datasets. */
export const HALF_HOUR_MS = 1_800_000

/**
 * A meter series on a regular UTC grid: `wh[i]` is the energy in Wh of the slot starting at `startMs + i * stepMs`.
 * `NaN` marks a slot with no reading; nothing is filled in unless the loader says so.
 */
export interface MeterSeries {
  readonly id: string
  readonly startMs: number
  readonly stepMs: number
  readonly wh: Float64Array
}

/** What a loader found and did about the data's quirks; every count is reported, never silently fixed. */
export interface LoadReport {
  rows: number
  /** Rows dropped because their instant was already taken (the first reading is kept). */
  duplicates: number
  /** Rows dropped because their time is not on the 30-minute grid. */
  offGrid: number
  /** Slots between a series' first and last reading with no reading (left as NaN). */
  missingSlots: number
  /** Readings changed by an explicit quirk rule (DST split, night noise, ...), described per loader. */
  adjusted: number
}

/** The datasets shipped with gridlet (`sim/data`), found from this file so that the working directory does not matter. */
export const BUNDLED_DATA_DIR = fileURLToPath(new URL('../../sim/data/', import.meta.url))

/**
 * Where the meter data lives: `$GRIDLET_DATA` when set (another copy of the same two folders), else the copy shipped
 * in `sim/data`.
 *
 * @example
 * loadPv(defaultDataDir())
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GRIDLET_DATA || BUNDLED_DATA_DIR
}

/** Places timestamped readings on a regular grid from the first to the last reading; counts duplicates and gaps. */
export function toGrid(
  id: string,
  readings: readonly { ms: number; wh: number }[],
  stepMs: number,
  report: LoadReport,
): MeterSeries {
  if (readings.length === 0) return { id, startMs: 0, stepMs, wh: new Float64Array(0) }
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const r of readings) {
    if (r.ms < lo) lo = r.ms
    if (r.ms > hi) hi = r.ms
  }
  const wh = new Float64Array((hi - lo) / stepMs + 1).fill(Number.NaN)
  for (const r of readings) {
    const i = (r.ms - lo) / stepMs
    if (Number.isNaN(wh[i]!)) wh[i] = r.wh
    else report.duplicates++
  }
  for (const v of wh) if (Number.isNaN(v)) report.missingSlots++
  return { id, startMs: lo, stepMs, wh }
}

export function emptyReport(): LoadReport {
  return { rows: 0, duplicates: 0, offGrid: 0, missingSlots: 0, adjusted: 0 }
}
