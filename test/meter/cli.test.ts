import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MeterSimulator, startMeterSimulator, traceSource } from '../../src/meter/index.js'
import { run } from './helpers.js'

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname
const gridlet = (...args: string[]) => run(TSX, [MAIN, 'meter', ...args], 30_000)

/** The CLI as a new user runs it, against a simulator. */
describe('gridlet meter CLI', () => {
  let sim: MeterSimulator
  beforeAll(async () => {
    const source = traceSource({
      startMs: 0,
      intervalMs: 3_600_000,
      importWh: [0],
      exportWh: [0],
      initialImportWh: 4_321_000,
    })
    sim = await startMeterSimulator({ profile: 'sdm630', port: 0, source, units: [{ unitId: 1 }, { unitId: 3 }] })
  })
  afterAll(() => sim.close())

  it('read --json prints the normalised reading', async () => {
    const out = await gridlet(
      'read',
      '--profile',
      'sdm630',
      '--host',
      '127.0.0.1',
      '--port',
      String(sim.port),
      '--json',
    )
    const reading = JSON.parse(out)
    expect(reading).toMatchObject({ importEnergyWh: 4_321_000, exportEnergyWh: 0, activePowerW: 0, frequencyHz: 50 })
  })

  it('scan finds the unit ids that answer', async () => {
    const out = await gridlet(
      'scan',
      '--host',
      '127.0.0.1',
      '--port',
      String(sim.port),
      '--units',
      '1-4',
      '--timeout',
      '100',
      '--json',
    )
    expect(JSON.parse(out).map((u: { unitId: number }) => u.unitId)).toEqual([1, 3])
  })

  it('a broken profile fails with one clear line naming the file and the field', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gridlet-profile-')), 'my-meter.json')
    writeFileSync(
      file,
      JSON.stringify({
        id: 'my-meter',
        kind: 'registers',
        role: 'grid',
        vendor: 'x',
        model: 'y',
        functionCode: 4,
        transport: { unitId: 1 },
        maxPowerW: 1000,
        powerSign: 'importPositive',
        values: { activePowerW: { address: 0, type: 'float64' } },
      }),
    )
    const err = await gridlet('read', '--profile', file, '--host', '127.0.0.1').catch((e: Error) => e.message)
    expect(err).toContain(`error PROFILE: invalid meter profile ${file}`)
    expect(err).toContain('field: values.activePowerW.type')
  })
})
