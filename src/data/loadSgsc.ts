import { join } from 'node:path'
import { GridletError } from '../core/errors.js'
import { readDataText } from './readDataText.js'
import { defaultDataDir, emptyReport, HALF_HOUR_MS, type LoadReport, type MeterSeries, toGrid } from './series.js'

/** One SGSC household: general consumption and the separately metered off-peak controlled load (hot water). */
export interface SgscHousehold {
  readonly id: string
  /** GENERAL_SUPPLY in Wh per half hour: what the forecasting evaluation predicts. */
  readonly general: MeterSeries
  /** CONTROLLED_LOAD in Wh per half hour, on the same grid. */
  readonly controlled: MeterSeries
}

export interface SgscDataset {
  readonly households: readonly SgscHousehold[]
  readonly report: LoadReport
}

const FILE = 'sgsc-smart-meter-50/sgsc_halfhourly_dev.csv'

/**
 * Loads the SGSC development split (34 households) onto per-household 30-minute UTC grids.
 *
 * Quirks handled: timestamps are UTC instants (the R export already resolved Sydney DST, so there is no local-time
 * step to undo; the grid is continuous across DST changes); the slot label is taken as the slot start (the source
 * does not say); duplicate instants keep the first reading and are counted; gaps stay NaN and are counted; rows off
 * the 30-minute grid are dropped and counted. Readings are whole Wh (kWh with 3 decimals x 1000).
 *
 * @example
 * const { households } = loadSgsc()
 * households[0].general.wh // Float64Array, NaN where the meter sent nothing
 */
export function loadSgsc(dataDir: string = defaultDataDir(), only?: ReadonlySet<string>): SgscDataset {
  const text = readDataText(dataDir, FILE)
  const report = emptyReport()
  const general = new Map<string, { ms: number; wh: number }[]>()
  const controlled = new Map<string, { ms: number; wh: number }[]>()
  const lines = text.split('\n')
  if (lines[0]?.trim() !== 'household_id,timestamp_utc,consumption_wh,controlled_load_wh,pv_gross_wh,net_generation_wh')
    throw new GridletError('unexpected SGSC header', {
      code: 'DATA_HEADER',
      field: join(dataDir, FILE),
      details: lines[0],
    })
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!
    if (line === '') continue
    const [id, ts, gen, cl] = line.split(',')
    if (!id || !ts || gen === undefined || cl === undefined)
      throw new GridletError('malformed SGSC row', { code: 'DATA_ROW', field: `line ${n + 1}`, details: line })
    if (only && !only.has(id)) continue
    report.rows++
    const ms = Date.parse(ts)
    if (!Number.isFinite(ms) || ms % HALF_HOUR_MS !== 0) {
      report.offGrid++
      continue
    }
    const g = Number(gen)
    const c = Number(cl)
    if (!Number.isFinite(g) || !Number.isFinite(c) || g < 0 || c < 0)
      throw new GridletError('SGSC reading is not a non-negative number', {
        code: 'DATA_VALUE',
        field: `line ${n + 1}`,
      })
    push(general, id, { ms, wh: g })
    push(controlled, id, { ms, wh: c })
  }
  const ids = [...general.keys()].sort()
  const households = ids.map((id) => {
    const g = toGrid(id, general.get(id)!, HALF_HOUR_MS, report)
    const c = toGrid(id, controlled.get(id)!, HALF_HOUR_MS, { ...emptyReport() })
    return { id, general: g, controlled: c }
  })
  return { households, report }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
