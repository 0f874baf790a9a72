import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MeterSimulator, startMeterSimulator, traceSource } from '../../src/meter/index.js'
import { run } from './helpers.js'

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname
const gridlet = (...args: string[]) => run(TSX, [MAIN, 'meter', ...args], 90_000)

/** The CLI as a new user runs it, against a simulator. */
describe('gridlet meter CLI', { timeout: 240_000 }, () => {
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

  it('a meter set to another word order: read exits 1 with IMPLAUSIBLE and the order to try; --word-order fixes it', async () => {
    const swapped = await startMeterSimulator({ profile: 'sdm630', port: 0, wordOrder: 'CDAB' })
    try {
      const at = ['--host', '127.0.0.1', '--port', String(swapped.port)]
      const err = await gridlet('read', '--profile', 'sdm630', ...at).catch((e: Error) => e.message)
      expect(err).toContain('exited 1')
      expect(err).toMatch(/error IMPLAUSIBLE: .* implausible \w+/)
      expect(err).toContain('try: the same reply is plausible in word order CDAB')
      const reading = JSON.parse(await gridlet('read', '--profile', 'sdm630', ...at, '--word-order', 'CDAB', '--json'))
      expect(reading.frequencyHz).toBeCloseTo(50, 3)
      const bad = await gridlet('read', '--profile', 'sdm630', ...at, '--word-order', 'ABDC').catch((e: Error) => e)
      expect(String(bad)).toMatch(/--word-order.*ABDC.*ABCD, CDAB, BADC, DCBA/s)
    } finally {
      await swapped.close()
    }
  })

  it('scan exits non-zero when no unit answers; unit ids outside 1..247 are refused', async () => {
    const at = ['--host', '127.0.0.1', '--port', String(sim.port)]
    const none = await gridlet('scan', ...at, '--units', '5-6', '--timeout', '100').catch((e: Error) => e.message)
    expect(none).toContain('exited 1')
    expect(none).toContain('no unit answered among 5-6 (2 silent')
    const zero = await gridlet('scan', ...at, '--units', '0-2').catch((e: Error) => e.message)
    expect(zero).toContain('error INVALID_ARGUMENT: bad unit id list "0-2"')
    const unit = await gridlet('read', '--profile', 'sdm630', ...at, '--unit', '248').catch((e: Error) => e.message)
    expect(unit).toContain('--unit must be an integer in 1..247')
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
