import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { BatteryState } from '../strategy/index.js'
import { dispatchSite, type SiteInterval } from './dispatchSite.js'

const battery = (socWh: number): BatteryState => ({ capacityWh: 10_000, powerW: 5000, efficiency: 0.9, socWh })
const at = (x: Partial<SiteInterval>): SiteInterval => ({
  contractedWh: 0,
  loadWh: 300,
  pvWh: 4300,
  importLimitWh: 2000,
  exportLimitWh: 1500,
  reserve: false,
  ...x,
})

describe('dispatchSite', () => {
  it('charges from the surplus, then curtails what the battery cannot take above the export limit', () => {
    // 4000 Wh surplus, 2500 Wh battery power per 30 min: self-consumption charges 2500, 1500 left = the limit.
    expect(dispatchSite(battery(0), at({}), 1800)).toMatchObject({ meteredWh: -1500, batteryWh: 2500, curtailedWh: 0 })
    // A full battery: 4000 exported would be 2500 above the limit.
    expect(dispatchSite(battery(10_000), at({}), 1800)).toMatchObject({ meteredWh: -1500, curtailedWh: 2500 })
    // No battery: the same.
    expect(dispatchSite(undefined, at({}), 1800)).toMatchObject({ meteredWh: -1500, curtailedWh: 2500 })
  })

  it('follows a sale only up to the export limit, and with reserve charges only from export above the limit', () => {
    // Sold 3000: the contract alone would export 3000, the envelope lets 1500 out; the battery takes the rest.
    expect(dispatchSite(battery(0), at({ contractedWh: -3000 }), 1800)).toMatchObject({
      meteredWh: -1500,
      batteryWh: 2500,
    })
    // A small surplus within the limit: self-consumption charges it, reserve leaves it to the grid.
    expect(dispatchSite(battery(0), at({ pvWh: 1300 }), 1800)).toMatchObject({ meteredWh: 0, batteryWh: 1000 })
    expect(dispatchSite(battery(0), at({ pvWh: 1300, reserve: true }), 1800)).toMatchObject({
      meteredWh: -1000,
      batteryWh: 0,
    })
    // Reserve above the limit: export 1500, charge the other 2500.
    expect(dispatchSite(battery(0), at({ reserve: true }), 1800)).toMatchObject({ meteredWh: -1500, batteryWh: 2500 })
  })

  it('discharges to cover import above the limit before following a purchase; reports what it cannot cover', () => {
    // Bought 4000 while the load is 4000: the contract says import 4000, the envelope 2000, the battery covers 2000.
    const heavy = at({ contractedWh: 4000, loadWh: 4000, pvWh: 0 })
    expect(dispatchSite(battery(5000), heavy, 1800)).toMatchObject({ meteredWh: 2000, batteryWh: -2000 })
    expect(dispatchSite(undefined, heavy, 1800)).toMatchObject({ meteredWh: 4000, importOverWh: 2000, curtailedWh: 0 })
  })

  it('never exports above the limit, curtails only PV, and keeps the energy balance (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.record({
          contractedWh: fc.integer({ min: -6000, max: 6000 }),
          loadWh: fc.nat(5000),
          pvWh: fc.nat(6000),
          importLimitWh: fc.nat(5000),
          exportLimitWh: fc.nat(5000),
          reserve: fc.boolean(),
        }),
        fc.option(fc.nat(10_000), { nil: undefined }),
        (x, soc) => {
          const d = dispatchSite(soc === undefined ? undefined : battery(soc), x, 1800)
          expect(d.meteredWh).toBeGreaterThanOrEqual(0 - x.exportLimitWh)
          expect(d.curtailedWh).toBeGreaterThanOrEqual(0)
          expect(d.curtailedWh).toBeLessThanOrEqual(x.pvWh)
          expect(d.meteredWh).toBe(x.loadWh - (x.pvWh - d.curtailedWh) + d.batteryWh)
          expect(d.importOverWh).toBe(Math.max(0, d.meteredWh - x.importLimitWh))
          if (d.curtailedWh > 0) expect(d.meteredWh).toBe(0 - x.exportLimitWh)
        },
      ),
      { numRuns: 500 },
    )
  })
})
