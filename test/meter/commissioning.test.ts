import { afterEach, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/time/clock.js'
import type { WordOrder } from '../../src/meter/decode.js'
import {
  createLink,
  type Link,
  type MeterError,
  type MeterSimulator,
  openMeter,
  startMeterSimulator,
  traceSource,
} from '../../src/meter/index.js'

const T0 = Date.UTC(2024, 0, 15, 10)
/** 1500 W import, counters at 12 345.678 kWh / 2 345.5 kWh. */
const source = () =>
  traceSource({
    startMs: T0,
    intervalMs: 3_600_000,
    importWh: [1500],
    exportWh: [0],
    initialImportWh: 12_345_678,
    initialExportWh: 2_345_500,
  })

/**
 * Commissioning mistakes against the simulator over TCP: a meter configured to another word order, a profile that
 * is not the device. Each must fail with IMPLAUSIBLE naming the quantity, its value and range, and what to try;
 * none may produce a reading.
 */
describe('plausibility catches commissioning mistakes', () => {
  let sim: MeterSimulator | undefined
  let link: Link | undefined
  afterEach(async () => {
    await link?.close()
    await sim?.close()
  })

  async function serve(profile: string, wordOrder?: WordOrder): Promise<Link> {
    sim = await startMeterSimulator({ profile, port: 0, clock: manualClock(T0), source: source(), wordOrder })
    link = createLink({ transport: 'tcp', host: '127.0.0.1', port: sim.port!, timeoutMs: 500 })
    return link
  }

  it.each(['CDAB', 'BADC', 'DCBA'] as const)(
    'an SDM630 serving %s read as ABCD: IMPLAUSIBLE, the hint names the order that works, which then reads right',
    async (order) => {
      const l = await serve('sdm630', order)
      const meter = openMeter(l, { profile: 'sdm630', clock: manualClock(T0) })
      const err = (await meter.read().catch((e: unknown) => e)) as MeterError
      expect(err).toMatchObject({ code: 'IMPLAUSIBLE' })
      expect(err.field).toMatch(/^(voltage|current|activePower|frequency)/)
      const { min, max } = err.expected!
      expect(err.value! < min || err.value! > max || Math.abs(err.value!) < min).toBe(true)
      expect(err.details).toContain(`${err.field} = `)
      expect(err.hint).toContain(`--word-order ${order}`)
      expect(meter.errors.IMPLAUSIBLE).toBe(1)
      const fixed = openMeter(l, { profile: 'sdm630', clock: manualClock(T0), wordOrder: order })
      const r = await fixed.read()
      expect(r.activePowerW).toBeCloseTo(1500, 3)
      expect(r.importEnergyWh).toBe(12_345_678)
      expect(r.phases?.l1?.voltageV).toBeCloseTo(230, 3)
    },
  )

  it('an EM340 (int32 low word first) set to high word first: IMPLAUSIBLE, hint ABCD', async () => {
    const l = await serve('em340', 'ABCD')
    const err = (await openMeter(l, { profile: 'em340' })
      .read()
      .catch((e: unknown) => e)) as MeterError
    expect(err).toMatchObject({ code: 'IMPLAUSIBLE', field: 'voltageL1V' })
    expect(err.hint).toContain('--word-order ABCD')
  })

  it('a meter without voltage or frequency registers (SDM72D-M v1) still catches a swapped order', async () => {
    const l = await serve('sdm72d-m-v1', 'CDAB')
    const err = (await openMeter(l, { profile: 'sdm72d-m-v1' })
      .read()
      .catch((e: unknown) => e)) as MeterError
    expect(err).toMatchObject({ code: 'IMPLAUSIBLE' })
    expect(err.hint).toContain('--word-order CDAB')
  })

  it.each([
    ['sdm630', 'em340', 'voltageL1V'],
    ['sdm630', 'sdm120', 'activePowerW'], // L2/L3 read 0, total power (not mapped on an SDM120) 0 != L1 power
    ['sdm120', 'em340', 'voltageL1V'],
  ])(
    'profile %s against a %s device: IMPLAUSIBLE %s, the hint points at profile and unit id',
    async (profile, device, field) => {
      const l = await serve(device)
      const err = (await openMeter(l, { profile })
        .read()
        .catch((e: unknown) => e)) as MeterError
      expect(err).toMatchObject({ code: 'IMPLAUSIBLE', field })
      expect(err.hint).toMatch(/profile .* unit 1/)
    },
  )
})
