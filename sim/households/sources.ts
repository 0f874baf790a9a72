import { loadPv } from '../../src/data/loadPv.js'
import { loadSgsc } from '../../src/data/loadSgsc.js'
import { defaultDataDir } from '../../src/data/series.js'

/** 30 minutes in milliseconds: the resolution of both datasets. */
export const SLOT_MS = 1_800_000

/**
 * One SGSC household's consumption as a dense half-hourly UTC series from `startMs`, -1 where the data has a gap.
 * Consumption = general supply + controlled load (both are the household's use, metered on separate channels).
 */
export interface LoadSeries {
  readonly id: string
  readonly startMs: number
  readonly wh: Int32Array
  /** Days (48 slots from `startMs`) with every reading present. */
  readonly completeDays: number
}

/** The customer-12 PV year as a half-hourly UTC series from `startMs`, and the system size it is taken to have. */
export interface PvShape {
  readonly startMs: number
  readonly wh: Int32Array
  readonly kWp: number
}

/** Where a simulation gets its real data: the narrow interface the household assembly needs. */
export interface HouseholdDataSource {
  loads(): readonly LoadSeries[]
  pvShape(): PvShape
}

/** The README's assumption: 1.8 kWp (largest half hour 900 Wh = 1.8 kW). */
const C12_KWP = 1.8

/**
 * The real datasets through the project's loaders (`src/data`: time zones, DST, duplicates and night noise handled
 * and counted there), read once per process per folder. The folder is `$GRIDLET_DATA`, else the copy shipped in
 * `sim/data`; a folder without them throws `SIM_DATA_MISSING` on first use.
 *
 * @example
 * const src = realDataSource()
 * src.loads().length // 34
 */
export function realDataSource(dir = defaultDataDir()): HouseholdDataSource {
  const cached = cache.get(dir)
  if (cached) return cached
  let loads: LoadSeries[] | undefined
  let pv: PvShape | undefined
  const src: HouseholdDataSource = {
    loads: () => {
      loads ??= loadSgsc(dir).households.map((h) => {
        const wh = new Int32Array(h.general.wh.length)
        for (let i = 0; i < wh.length; i++) {
          const v = (h.general.wh[i] as number) + ((h.controlled.wh[i] as number) ?? 0)
          wh[i] = Number.isNaN(v) ? -1 : Math.round(v)
        }
        let completeDays = 0
        for (let d = 0; d + 48 <= wh.length; d += 48) if (!wh.subarray(d, d + 48).includes(-1)) completeDays++
        return { id: h.id, startMs: h.general.startMs, wh, completeDays }
      })
      return loads
    },
    pvShape: () => {
      if (!pv) {
        const { pv: series } = loadPv(dir)
        pv = { startMs: series.startMs, wh: Int32Array.from(series.wh, (v) => (Number.isNaN(v) ? 0 : v)), kWp: C12_KWP }
      }
      return pv
    },
  }
  cache.set(dir, src)
  return src
}
const cache = new Map<string, HouseholdDataSource>()
