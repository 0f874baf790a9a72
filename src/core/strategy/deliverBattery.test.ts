import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deliverBattery } from './deliverBattery.js'

const battery = { capacityWh: 10_000, powerW: 5000, efficiency: 0.9, socWh: 0 }

describe('deliverBattery', () => {
  it('charges from surplus with nothing contracted (self-consumption)', () => {
    const d = deliverBattery(battery, 0, 300, 1300, 1800)
    expect(d.meteredWh).toBe(0)
    expect(d.batteryWh).toBe(1000)
    expect(d.battery?.socWh).toBeCloseTo(900)
  })

  it('respects power and charge limits', () => {
    // 5 kW for 30 min = 2500 Wh at most; an empty battery cannot discharge
    expect(deliverBattery(battery, 0, 0, 9000, 1800).batteryWh).toBe(2500)
    expect(deliverBattery(battery, 0, 800, 0, 1800).meteredWh).toBe(800)
  })

  it('follows the contract: discharges to cover a sale', () => {
    const d = deliverBattery({ ...battery, socWh: 5000 }, -600, 400, 0, 1800)
    expect(d.meteredWh).toBe(-600)
    expect(d.battery?.socWh).toBe(4000)
  })

  it('keeps charge in bounds and the meter whole', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5000, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (c, load, pv, soc) => {
          const d = deliverBattery({ ...battery, socWh: soc }, c, load, pv, 1800)
          expect(Number.isInteger(d.meteredWh)).toBe(true)
          expect(d.meteredWh).toBe(load - pv + d.batteryWh)
          expect(d.battery!.socWh).toBeGreaterThanOrEqual(0)
          expect(d.battery!.socWh).toBeLessThanOrEqual(10_000)
        },
      ),
    )
  })
})
