import { describe, expect, it } from 'vitest'
import { encodeRaw } from './decode.js'
import { decodePlan, type PlannedValue, planDecoder, planReads, withWordOrder } from './plan.js'
import { type Decoded, QUANTITIES, QUANTITY_INDEX, type Quantity } from './types.js'

/** The values present (not NaN), by quantity. */
const present = (values: Decoded) =>
  Object.fromEntries(QUANTITIES.map((q, i) => [q, values[i]!]).filter(([, v]) => !Number.isNaN(v)))

const value = (p: Partial<PlannedValue> & Pick<PlannedValue, 'quantity' | 'address' | 'type'>): PlannedValue => ({
  functionCode: 4,
  wordOrder: 'ABCD',
  scale: 1,
  sunspec: false,
  ...p,
})

describe('read plans', () => {
  it('groups values into blocks and decodes each from its block, scale factors included', () => {
    const plan = planReads(
      [
        value({ quantity: 'voltageL1V', address: 0, type: 'float32' }),
        value({ quantity: 'frequencyHz', address: 70, type: 'float32' }),
        value({ quantity: 'importEnergyWh', address: 200, type: 'uint32', scale: 10 }),
        value({ quantity: 'activePowerW', address: 204, type: 'int16', scaleFactorAddress: 205 }),
      ],
      125,
    )
    expect(plan.blocks).toEqual([
      { functionCode: 4, address: 0, count: 72 },
      { functionCode: 4, address: 200, count: 6 },
    ])
    const a = Buffer.alloc(72 * 2)
    const b = Buffer.alloc(6 * 2)
    encodeRaw(a, 0, 'float32', 231.5)
    encodeRaw(a, 140, 'float32', 50)
    encodeRaw(b, 0, 'uint32', 123_456)
    encodeRaw(b, 8, 'int16', -35)
    encodeRaw(b, 10, 'sunssf', 2)
    const decoded = decodePlan(plan, [a, b])
    expect(present(decoded)).toEqual({
      voltageL1V: 231.5,
      frequencyHz: 50,
      importEnergyWh: 1_234_560,
      activePowerW: -3500,
    })
    // The same replies again (the plan's offsets are resolved once and reused) and another word order's plan.
    expect(decodePlan(plan, [a, b])).toEqual(decoded)
    // Into a reused array: every quantity is written, nothing from the last reading stays.
    const reused = decodePlan(plan, [Buffer.alloc(72 * 2), Buffer.alloc(6 * 2)])
    reused[QUANTITY_INDEX.pvPowerW] = 1
    expect(decodePlan(plan, [a, b], reused)).toBe(reused)
    expect(reused).toEqual(decoded)
    expect(decodePlan(withWordOrder(plan, 'CDAB'), [a, b])[QUANTITY_INDEX.voltageL1V]).not.toBe(231.5)
  })

  it('a value the device reports as not available is NaN and listed once as unavailable, never 0', () => {
    const plan = planReads(
      [
        value({ quantity: 'activePowerW', address: 0, type: 'int16' }),
        value({ quantity: 'importEnergyWh', address: 1, type: 'uint32', notAvailable: [0xffffffff] }),
        value({ quantity: 'exportEnergyWh', address: 3, type: 'float32' }),
      ],
      125,
    )
    const reply = Buffer.alloc(5 * 2)
    encodeRaw(reply, 0, 'int16', -7)
    encodeRaw(reply, 2, 'uint32', 0xffffffff)
    encodeRaw(reply, 6, 'float32', Number.NaN)
    const values = decodePlan(plan, [reply])
    expect(present(values)).toEqual({ activePowerW: -7 })
    const unavailable: Quantity[] = ['pvPowerW']
    planDecoder(plan).pushUnavailable(values, unavailable)
    expect(unavailable).toEqual(['pvPowerW', 'importEnergyWh', 'exportEnergyWh'])
  })

  it('a failed expectation is BAD_REPLY; a value outside every block is a typed error, not a crash', () => {
    const plan = planReads([value({ quantity: 'activePowerW', address: 10, type: 'int16' })], 125, [
      { functionCode: 4, address: 9, value: 213 },
    ])
    const reply = Buffer.alloc(4)
    expect(() => decodePlan(plan, [reply])).toThrow(expect.objectContaining({ code: 'BAD_REPLY' }))
    reply.writeUInt16BE(213, 0)
    expect(decodePlan(plan, [reply])[QUANTITY_INDEX.activePowerW]).toBe(0)
    const broken = { ...plan, blocks: [{ functionCode: 3 as const, address: 0, count: 2 }] }
    expect(() => decodePlan(broken, [reply])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
