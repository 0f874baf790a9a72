import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { GridletError } from '../../src/core/errors.js'

/** 30 minutes in milliseconds: the resolution of both datasets. */
export const SLOT_MS = 1_800_000

/**
 * One SGSC household's consumption as a dense half-hourly series from `startMs` (UTC), -1 where the data has a gap.
 * Consumption = general supply + controlled load (both are the household's use, metered on separate channels).
 */
export interface LoadSeries {
  readonly id: string
  readonly startMs: number
  readonly wh: Int32Array
  /** Days with all 48 readings present. */
  readonly completeDays: number
  /** Rows dropped because their timestamp repeated one already read (the source's DST shift; see its README). */
  readonly duplicates: number
}

/**
 * The customer-12 PV shape: gross PV per half hour for one year, indexed from 2011-07-01 00:00 Sydney *standard*
 * time (UTC+10, no DST in this file), and the system size it is taken to have.
 */
export interface PvShape {
  readonly firstLocalMs: number
  readonly wh: Int32Array
  readonly kWp: number
}

/** Where a simulation gets its real data: the interface the sim needs from a loader (`src/data` may provide one). */
export interface HouseholdDataSource {
  loads(): readonly LoadSeries[]
  pvShape(): PvShape
}

/**
 * Default location of the shared datasets: `$GRIDLET_DATA_DIR`, else the first `shared/data` found beside the
 * repository or one of its parent folders (`../shared/data` for a clone next to it).
 */
export function defaultDataDir(): string {
  if (process.env.GRIDLET_DATA_DIR) return process.env.GRIDLET_DATA_DIR
  let dir = dirname(dirname(dirname(fileURLToPath(import.meta.url))))
  for (;;) {
    const candidate = join(dirname(dir), 'shared', 'data')
    if (existsSync(candidate)) return candidate
    if (dirname(dir) === dir) return join(process.cwd(), '..', 'shared', 'data')
    dir = dirname(dir)
  }
}

const SGSC = 'sgsc-smart-meter-50/sgsc_halfhourly_dev.csv.gz'
const C12 = 'ausgrid-solar-home-customer12/customer12_halfhourly_2011-2012.csv'
/** The README's assumption: 1.8 kWp (largest half hour 900 Wh = 1.8 kW). */
const C12_KWP = 1.8

function readData(dir: string, file: string): Buffer {
  try {
    return readFileSync(join(dir, file))
  } catch (cause) {
    throw new GridletError(`cannot read dataset ${file} under ${dir}`, {
      code: 'SIM_DATA_MISSING',
      details: 'set GRIDLET_DATA_DIR to the folder that holds the shared datasets',
      cause,
    })
  }
}

function parseSgsc(text: string): LoadSeries[] {
  const rows = new Map<string, { ts: number[]; wh: number[] }>()
  const lines = text.split('\n')
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]
    if (!line) continue
    const c = line.split(',')
    const id = c[0] as string
    const ts = Date.parse(c[1] as string)
    const wh = Number(c[2]) + Number(c[3])
    if (!Number.isFinite(ts) || !Number.isInteger(wh) || wh < 0) {
      throw new GridletError(`bad SGSC row ${i + 1}`, { code: 'SIM_DATA_ROW', details: line })
    }
    let r = rows.get(id)
    if (!r) {
      r = { ts: [], wh: [] }
      rows.set(id, r)
    }
    r.ts.push(ts)
    r.wh.push(wh)
  }
  const out: LoadSeries[] = []
  for (const [id, r] of [...rows].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const startMs = Math.min(...r.ts)
    const endMs = Math.max(...r.ts)
    const wh = new Int32Array((endMs - startMs) / SLOT_MS + 1).fill(-1)
    let duplicates = 0
    for (let j = 0; j < r.ts.length; j++) {
      const slot = ((r.ts[j] as number) - startMs) / SLOT_MS
      if (!Number.isInteger(slot)) continue // off-grid timestamp: not on the half-hour grid, ignored
      if (wh[slot] !== -1) duplicates++
      else wh[slot] = r.wh[j] as number
    }
    let completeDays = 0
    for (let d = 0; d + 48 <= wh.length; d += 48) {
      if (!wh.subarray(d, d + 48).includes(-1)) completeDays++
    }
    out.push({ id, startMs, wh, completeDays, duplicates })
  }
  return out
}

function parseC12(text: string): PvShape {
  const lines = text.trim().split('\n').slice(1)
  const wh = new Int32Array(lines.length)
  const firstLocalMs = Date.parse(`${lines[0]?.split(',')[0]}Z`)
  for (let i = 0; i < lines.length; i++) {
    const c = (lines[i] as string).split(',')
    if (Date.parse(`${c[0]}Z`) !== firstLocalMs + i * SLOT_MS) {
      throw new GridletError(`customer-12 row ${i + 2} is off the half-hour grid`, { code: 'SIM_DATA_ROW' })
    }
    wh[i] = Number(c[2])
  }
  return { firstLocalMs, wh, kWp: C12_KWP }
}

/**
 * Reads the shared datasets (once per process per folder).
 *
 * @example
 * const src = sharedDataSource() // ../shared/data
 * src.loads().length // 34
 */
export function sharedDataSource(dir = defaultDataDir()): HouseholdDataSource {
  const cached = cache.get(dir)
  if (cached) return cached
  let loads: LoadSeries[] | undefined
  let pv: PvShape | undefined
  const src: HouseholdDataSource = {
    loads: () => (loads ??= parseSgsc(gunzipSync(readData(dir, SGSC)).toString('utf8'))),
    pvShape: () => (pv ??= parseC12(readData(dir, C12).toString('utf8'))),
  }
  cache.set(dir, src)
  return src
}
const cache = new Map<string, HouseholdDataSource>()
