import { describe, expect, it } from 'vitest'
import { compileNetwork, generateNetwork } from '../../src/core/grid/index.js'
import { deliverContracts } from '../fast/deliverContracts.js'
import type { OrderPlan } from '../fast/plan.js'
import type { Community, HouseholdInfo } from '../households/assemble.js'
import { parseScenario } from '../scenario/schema.js'
import { runGrid } from './gridImpact.js'
import { gridClearingOf, marketGrid } from './marketGrid.js'
import { siteLimits } from './siteLimits.js'

// 6 homes on 2 feeders x 3 of a 20 A cable: each feeder head carries sqrt(3) * 400 V * 20 A * 0.5 h = 6928 Wh per
// 30 minutes. Every home has 3.5 kWh of PV and 0.5 kWh of load in each of 4 sunny intervals: 9 kWh of export per
// feeder and 18 kWh through the 25 kVA transformer (12.5 kWh per interval) if nobody holds back.
const T = 4
const n = 6
const cable = { rOhmPerKm: 0.313, xOhmPerKm: 0.086, ampacityA: 20 }
const cn = compileNetwork(generateNetwork({ households: n, feeders: 2, transformerKva: 25, cable }))
const s = parseScenario({
  name: 'envelope-test',
  seed: 1,
  period: { start: '2013-01-14T00:00:00Z', days: 1 },
  tariff: { retail: 250000, feedIn: 70000 },
  households: { count: n, battery: { capacityWh: 5000, powerW: 2000 } },
})
const info = (h: number): HouseholdInfo => ({
  index: h,
  sourceId: 'x',
  offsetDays: 0,
  loadScale: 1,
  kWp: 5,
  batteryWh: h === 0 ? 5000 : 0, // home 0 (feeder 1) has a 5 kWh battery
  hotWater: false,
  ev: false,
  flexStagger: 1,
})
const community: Community = {
  n,
  T,
  warmup: 0,
  stride: T,
  intervalS: 1800,
  firstInterval: 0,
  load: new Int32Array(n * T).fill(500),
  pv: new Int32Array(n * T).fill(3500),
  net: new Int32Array(n * T).fill(-3000),
  retail: new Int32Array(T).fill(250000),
  feedIn: new Int32Array(T).fill(70000),
  households: Array.from({ length: n }, (_, h) => info(h)),
}
// Every home offers its forecast export, 3000 Wh, in one ask per interval; nothing trades.
const plan: OrderPlan = {
  start: Int32Array.from({ length: n * T + 1 }, (_, i) => i),
  side: new Uint8Array(n * T).fill(1),
  qty: new Int32Array(n * T).fill(3000),
  limit: new Int32Array(n * T).fill(80000),
  equivocate: new Uint8Array(n * T),
}
const none = new Int32Array(n * T)
const opts = { T, intervalS: 1800, voltageBand: { min: 0.9, max: 1.1 }, powerFactor: 1 }

describe('site envelopes and the dispatch against them', () => {
  const grid = marketGrid(cn.network, 1800, {
    fees: [0, 0, 0],
    capacity: true,
    feeRecipient: '0x00000000000000000000000000000000000000d5',
  })
  const headWh = gridClearingOf(grid, []).limits!.feeders![0]!.exportWh
  const limits = siteLimits(cn, gridClearingOf(grid, []).limits, plan, T, 1800)

  it('shares the transformer, the tighter element here, equally among equal forecasts', () => {
    // 12500 Wh among 6 equal asks: 2083 each (the 6928 Wh feeder heads would allow 2309 per home).
    expect(Array.from(limits.exportWh.subarray(0, T))).toEqual([2083, 2083, 2083, 2083])
    expect(new Set(limits.exportWh)).toEqual(new Set([2083]))
    expect(Array.from(limits.forecastExportWh.subarray(0, 2))).toEqual([3000, 3000])
  })

  it('a day that overloads the feeders and the transformer does not after the dispatch', () => {
    const free = deliverContracts(s, community, none, none)
    const capped = deliverContracts(s, community, none, none, limits)
    const before = runGrid(cn, { data: free.deliveredWh, stride: T, base: 0 }, opts).kpis
    const after = runGrid(cn, { data: capped.deliveredWh, stride: T, base: 0 }, opts).kpis
    expect(before.cableOverloadHours).toBeGreaterThan(0)
    expect(before.transformerOverloadHours).toBeGreaterThan(0)
    expect(after.cableOverloadHours).toBe(0)
    expect(after.transformerOverloadHours).toBe(0)
    expect(after.maxTransformerLoadingPct).toBeGreaterThan(90) // the limit is used, not wasted
    expect(Number(headWh)).toBe(6928)
    for (let k = 0; k < T; k++) {
      let feeder = 0
      let all = 0
      for (let h = 0; h < n; h++) {
        const d = capped.deliveredWh[h * T + k]!
        expect(d).toBeGreaterThanOrEqual(-limits.exportWh[h * T + k]!)
        if (h < 3) feeder -= d
        all -= d
      }
      expect(feeder).toBeLessThanOrEqual(Number(headWh))
      expect(all).toBeLessThanOrEqual(12_500)
    }
    // The batteryless homes curtail 3000 - 2083 = 917 Wh in each interval; home 0's battery (2 kW: 1000 Wh per
    // interval, half full) takes part of its excess first.
    expect(capped.curtailedWh[1]).toBe(4 * 917)
    expect(capped.curtailedWh[0]).toBeLessThan(capped.curtailedWh[1]!)
    expect(free.curtailedWh.every((x) => x === 0)).toBe(true)
  })
})
