import { GridletError } from '../../src/core/errors.js'
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
 * The shared datasets through the project's loaders (`src/data`: time zones, DST, duplicates and night noise handled
 * and counted there), read once per process per folder. The folder is `$GRIDLET_DATA` or the first `shared/data`
 * above the working directory.
 *
 * @example
 * const src = sharedDataSource()
 * src.loads().length // 34
 */
export function sharedDataSource(dir = defaultDataDir()): HouseholdDataSource {
  const cached = cache.get(dir)
  if (cached) return cached
  let loads: LoadSeries[] | undefined
  let pv: PvShape | undefined
  const src: HouseholdDataSource = {
    loads: () => {
      loads ??= guarded(() => loadSgsc(dir)).households.map((h) => {
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
        const { pv: series } = guarded(() => loadPv(dir))
        pv = { startMs: series.startMs, wh: Int32Array.from(series.wh, (v) => (Number.isNaN(v) ? 0 : v)), kWp: C12_KWP }
      }
      return pv
    },
  }
  cache.set(dir, src)
  return src
}
const cache = new Map<string, HouseholdDataSource>()

function guarded<T>(load: () => T): T {
  try {
    return load()
  } catch (cause) {
    if ((cause as { code?: string }).code !== 'ENOENT') throw cause
    throw new GridletError('cannot read the shared datasets', {
      code: 'SIM_DATA_MISSING',
      details: 'set GRIDLET_DATA to the folder that holds sgsc-smart-meter-50/ and ausgrid-solar-home-customer12/',
      cause,
    })
  }
}
