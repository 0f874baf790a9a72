import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { MeterError } from '../errors.js'

export interface HouseholdSeries {
  /** Start of the first interval, unix ms. */
  startMs: number
  intervalMs: number
  consumptionWh: number[]
  pvWh?: number[]
  /** Intervals missing from the file, replayed as 0 Wh (the counters stand still there). */
  filledGaps: number
  /** Rows dropped because their timestamp repeated (DST artefacts in SGSC). */
  duplicates: number
}

/**
 * Reads a half-hourly household series from the files in `sim/data` (or a `GRIDLET_DATA` copy):
 * - `timestamp_local,consumption_wh,pv_wh` (Ausgrid customer 12: local standard time, UTC+10), or
 * - `household_id,timestamp_utc,consumption_wh,controlled_load_wh,...` (SGSC, gzip ok; pick one `household`;
 *   consumption = general supply + controlled load).
 * Gaps are filled with 0 Wh and counted, duplicate timestamps keep the first row: both are reported.
 */
export function loadHouseholdCsv(path: string, opts: { household?: string } = {}): HouseholdSeries {
  const raw = readFileSync(path)
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')
  const [header, ...lines] = text.split(/\r?\n/).filter((l) => l.length > 0)
  const cols = header?.split(',') ?? []
  const col = (name: string) => cols.indexOf(name)
  const sgsc = col('household_id') >= 0
  const rows: { t: number; c: number; pv: number }[] = []
  for (const line of lines) {
    const f = line.split(',')
    if (sgsc && f[col('household_id')] !== opts.household) continue
    const t = sgsc ? Date.parse(f[col('timestamp_utc')]!) : Date.parse(`${f[col('timestamp_local')]}+10:00`)
    const c = Number(f[col('consumption_wh')]) + (sgsc ? Number(f[col('controlled_load_wh')] ?? 0) : 0)
    const pv = col('pv_wh') >= 0 ? Number(f[col('pv_wh')]) : 0
    if (!Number.isFinite(t) || !Number.isFinite(c) || !Number.isFinite(pv)) {
      throw new MeterError(`bad row in ${path}`, { code: 'INVALID_ARGUMENT', details: line })
    }
    rows.push({ t, c, pv })
  }
  if (rows.length === 0) {
    throw new MeterError(`no rows in ${path}`, {
      code: 'INVALID_ARGUMENT',
      field: sgsc ? 'household' : undefined,
      details: sgsc ? `household ${opts.household ?? '(none given)'} not found` : 'empty file',
    })
  }
  rows.sort((a, b) => a.t - b.t)
  const intervalMs = 1_800_000
  const startMs = rows[0]!.t
  const n = Math.round((rows.at(-1)!.t - startMs) / intervalMs) + 1
  const consumptionWh = new Array<number>(n).fill(0)
  const pvWh = new Array<number>(n).fill(0)
  const seen = new Uint8Array(n)
  let duplicates = 0
  for (const r of rows) {
    const i = Math.round((r.t - startMs) / intervalMs)
    if (seen[i]) {
      duplicates++
      continue
    }
    seen[i] = 1
    consumptionWh[i] = r.c
    pvWh[i] = r.pv
  }
  const filledGaps = n - seen.reduce((s, v) => s + v, 0)
  return { startMs, intervalMs, consumptionWh, pvWh: col('pv_wh') >= 0 ? pvWh : undefined, filledGaps, duplicates }
}
