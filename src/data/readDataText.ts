import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { GridletError } from '../core/errors.js'

/**
 * Reads one file of a data folder as text: `<file>.gz` (how gridlet ships it, gunzipped here) or else `<file>` as it
 * is, so a `GRIDLET_DATA` copy may hold either. A folder with neither is a typed `SIM_DATA_MISSING` that names what
 * was looked for, not a bare ENOENT.
 *
 * @example
 * readDataText(defaultDataDir(), 'sgsc-smart-meter-50/sgsc_halfhourly_dev.csv').slice(0, 12) // 'household_id'
 */
export function readDataText(dataDir: string, file: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = join(dataDir, file)
  for (const candidate of [`${path}.gz`, path]) {
    let raw: Buffer
    try {
      raw = readFileSync(candidate)
    } catch (cause) {
      if ((cause as { code?: string }).code === 'ENOENT') continue
      throw cause
    }
    return (candidate.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')
  }
  throw new GridletError('cannot read the meter datasets', {
    code: 'SIM_DATA_MISSING',
    field: env.GRIDLET_DATA ? 'GRIDLET_DATA' : 'dataDir',
    details:
      `neither ${path}.gz nor ${path} exists; GRIDLET_DATA, when set, must name a folder holding ` +
      'sgsc-smart-meter-50/ and ausgrid-solar-home-customer12/ (gridlet ships them in sim/data)',
  })
}
