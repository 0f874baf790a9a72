import { describe, expect, it } from 'vitest'
import { compareMarkets } from './compareMarkets.js'
import { gridTestScenario } from './gridTestScenario.js'

// 20 homes, three in four with 6-10 kWp of PV and half of those with a battery, on 2 feeders x 10 of a thin cable
// (60 A, 40 m between homes) behind a 50 kVA transformer set to 1.05 pu, three January days: the midday export
// overloads the transformer and the feeder heads and lifts the feeder ends above 1.1 pu.
const scenario = gridTestScenario({
  name: 'compare-test',
  seed: 3,
  start: '2013-01-06T14:00:00Z',
  days: 3,
  households: {
    count: 20,
    pv: { share: 0.75, kWp: { min: 6, max: 10 } },
    battery: { shareOfPv: 0.5, capacityWh: 10_000, powerW: 5000 },
  },
  network: {
    feeders: 2,
    transformerKva: 50,
    segmentM: 40,
    voltagePu: 1.05,
    cable: { rOhmPerKm: 0.642, xOhmPerKm: 0.083, ampacityA: 60 },
    market: { fees: [0, 10, 20], capacity: true },
  },
})

describe('compareMarkets', () => {
  it('the capacity-aware market overloads less and violates the voltage band less than the unconstrained one', async () => {
    const [gridOnly, free, capped] = await compareMarkets(scenario)
    const a = free!.kpis
    const b = capped!.kpis
    expect(gridOnly!.run).toBe('grid-only')
    for (const k of [a.transformerOverloadHours, a.cableOverloadHours, a.voltageViolations])
      expect(k).toBeGreaterThan(0)
    expect(b.transformerOverloadHours).toBeLessThan(a.transformerOverloadHours)
    expect(b.cableOverloadHours).toBeLessThan(a.cableOverloadHours)
    expect(b.voltageViolations).toBeLessThan(a.voltageViolations)
    expect(b.maxTransformerLoadingPct).toBeLessThanOrEqual(100)
    expect(b.maxCableLoadingPct).toBeLessThanOrEqual(100)
    // The trade-off is reported: PV curtailed, and the households pay for it.
    expect(free!.envelope).toBeUndefined()
    expect(capped!.envelope!.curtailedKwh).toBeGreaterThan(0)
    expect(capped!.householdCost).toBeGreaterThan(free!.householdCost)
    expect(capped!.marketKwh).toBeGreaterThan(0)
  }, 120_000)
})
