import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkPlausibility } from './checkPlausibility.js'
import { type Decoded, emptyDecoded, QUANTITY_INDEX, type Quantity } from './types.js'

const LIMITS = { maxPowerW: 30_000 }

/** Decoded values holding exactly `values` (everything else absent). */
function decoded(values: Partial<Record<Quantity, number>>): Decoded {
  const out = emptyDecoded()
  for (const [q, v] of Object.entries(values)) out[QUANTITY_INDEX[q as Quantity]] = v
  return out
}

/** A balanced three-phase reading: 1.5 kW import at 230 V, 50 Hz. */
function reading(overrides: Partial<Record<Quantity, number>> = {}): Decoded {
  const base: Partial<Record<Quantity, number>> = {
    voltageL1V: 230,
    voltageL2V: 231,
    voltageL3V: 229,
    currentL1A: 2.2,
    currentL2A: 2.2,
    currentL3A: 2.2,
    activePowerL1W: 500,
    activePowerL2W: 500,
    activePowerL3W: 500,
    activePowerW: 1500,
    frequencyHz: 50,
    importEnergyWh: 12_345_678,
    exportEnergyWh: 0,
  }
  return decoded({ ...base, ...overrides })
}

describe('checkPlausibility', () => {
  it('accepts a normal reading, an unconnected phase and a meter without phase values', () => {
    expect(checkPlausibility(reading(), LIMITS)).toBeUndefined()
    const singlePhase = reading({
      ...{ voltageL2V: 0, voltageL3V: 0.4, currentL2A: 0, currentL3A: 0 },
      ...{ activePowerL2W: 0, activePowerL3W: 0, activePowerL1W: 1500, currentL1A: 6.6 },
    })
    expect(checkPlausibility(singlePhase, LIMITS)).toBeUndefined()
    const bare = decoded({ activePowerW: -2500, importEnergyWh: 1000, exportEnergyWh: 10 })
    expect(checkPlausibility(bare, LIMITS)).toBeUndefined()
  })

  it.each([
    ['a float read in the wrong word order (tiny)', { voltageL1V: 2.418e-41 }, 'voltageL1V'],
    ['voltage outside mains range', { voltageL2V: 1725.4 }, 'voltageL2V'],
    ['0 V on a phase that carries current', { voltageL3V: 0 }, 'voltageL3V'],
    ['frequency', { frequencyHz: 500 }, 'frequencyHz'],
    ['total power beyond 1.5 x maxPowerW', { activePowerW: 50_000 }, 'activePowerW'],
    ['current beyond the fuse', { currentL1A: 1e6 }, 'currentL1A'],
    ['total power that is not the sum of the phases', { activePowerW: 500 }, 'activePowerW'],
    ['phase power above V x I', { activePowerL2W: 900, activePowerW: 1900 }, 'activePowerL2W'],
    ['a negative counter', { importEnergyWh: -4.3e23 }, 'importEnergyWh'],
    ['a counter beyond a lifetime at full power', { exportEnergyWh: 3e13 }, 'exportEnergyWh'],
  ])('rejects %s, naming the quantity, value and range', (_, overrides, quantity) => {
    const issue = checkPlausibility(reading(overrides), LIMITS)
    expect(issue).toMatchObject({ quantity, value: Object.values(overrides)[0] })
    expect(issue!.expected.min).toBeLessThanOrEqual(issue!.expected.max)
    const { value, expected } = issue!
    expect(value < expected.min || value > expected.max || Math.abs(value) < expected.min).toBe(true)
  })

  it('never rejects a physically possible reading (any voltage, power factor, direction, counter)', () => {
    const phase = fc.record({
      v: fc.double({ min: 190, max: 260, noNaN: true }),
      a: fc.double({ min: 0, max: 50, noNaN: true }),
      pf: fc.double({ min: -1, max: 1, noNaN: true }),
    })
    fc.assert(
      fc.property(
        fc.tuple(phase, phase, phase),
        fc.double({ min: 47, max: 53, noNaN: true }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        (phases, hz, wh) => {
          const values: Partial<Record<Quantity, number>> = {}
          let total = 0
          phases.forEach(({ v, a, pf }, i) => {
            const w = Math.round(v * a * pf * 10) / 10 // meters report rounded values
            total += w
            values[`voltageL${i + 1}V` as Quantity] = v
            values[`currentL${i + 1}A` as Quantity] = a < 1e-3 ? 0 : a
            values[`activePowerL${i + 1}W` as Quantity] = Math.abs(w) < 1e-3 ? 0 : w
          })
          Object.assign(values, { activePowerW: total, frequencyHz: hz, importEnergyWh: Math.round(wh) })
          expect(checkPlausibility(decoded(values), LIMITS)).toBeUndefined()
        },
      ),
    )
  })
})
