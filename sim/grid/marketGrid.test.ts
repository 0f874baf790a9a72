import { describe, expect, it } from 'vitest'
import { gridLevels } from '../../src/core/grid/index.js'
import { clearCommunity } from '../fast/run.js'
import { assembleCommunity, type Community } from '../households/assemble.js'
import { realDataSource } from '../households/sources.js'
import type { MarketOutcome } from '../outcome.js'
import type { Scenario, ScenarioInput } from '../scenario/schema.js'
import { gridTestScenario } from './gridTestScenario.js'
import { gridClearingOf, marketGrid } from './marketGrid.js'
import { scenarioNetwork } from './scenarioNetwork.js'

// 12 homes on 2 feeders whose head cable carries 2 A: 692 Wh per 30 minutes, far less than one PV home's noon surplus.
const scenario = (market: NonNullable<ScenarioInput['network']>['market']): Scenario =>
  gridTestScenario({
    name: 'grid-market-test',
    seed: 5,
    start: '2013-01-14T14:00:00Z',
    days: 1,
    households: {
      count: 12,
      pv: { share: 0.5, kWp: { min: 5, max: 8 } },
      battery: { shareOfPv: 1, capacityWh: 10_000, powerW: 5000 },
    },
    network: { feeders: 2, cable: { rOhmPerKm: 0.313, xOhmPerKm: 0.086, ampacityA: 2 }, market },
  })

/** Largest net energy the market scheduled into or out of any feeder in any interval, Wh. */
function maxFeederFlow(c: Community, o: MarketOutcome, feederOf: readonly number[]): number {
  let max = 0
  for (let k = 0; k < c.T; k++) {
    const net = [0, 0]
    for (let h = 0; h < c.n; h++) net[feederOf[h]!]! += o.boughtWh[h * c.T + k]! - o.soldWh[h * c.T + k]!
    max = Math.max(max, ...net.map(Math.abs))
  }
  return max
}

describe('the grid-aware market in fast mode (network.market)', () => {
  it('keeps every feeder within its limit when capacity-aware; the unconstrained market overloads one', async () => {
    const free = scenario({ capacity: false })
    const capped = scenario({ capacity: true, fees: [0, 10, 20] })
    const c = assembleCommunity(free, realDataSource())
    const cn = scenarioNetwork(free.network!, c.n)
    const lv = gridLevels(cn, c.intervalS)
    // The node's gridClearingFor, with household h at its account (any letter case).
    const accounts = Array.from(
      { length: c.n },
      (_, h) => `0x${'ab'.repeat(19)}${h.toString(16).padStart(2, '0')}` as const,
    )
    const g = gridClearingOf(marketGrid(cn.network, c.intervalS, capped.network!.market!), accounts)
    const feederOf = accounts.map((a) => g.feederOf(a.toUpperCase().replace('0X', '0x') as typeof a)!)
    expect(feederOf).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    expect(g.limits?.feeders).toEqual([
      { importWh: 692n, exportWh: 692n },
      { importWh: 692n, exportWh: 692n },
    ])
    expect(g.transformerOf).toEqual([0, 0])
    expect(g.feePerWh).toEqual([0n, 10n, 20n])

    const limit = lv.feeders[0]!.limitWh
    const o0 = await clearCommunity(free, c)
    const o1 = await clearCommunity(capped, c)
    expect(maxFeederFlow(c, o0, feederOf)).toBeGreaterThan(limit)
    expect(maxFeederFlow(c, o1, feederOf)).toBeLessThanOrEqual(limit)
    // Worker threads get the grid as plain data and clear the same.
    expect((await clearCommunity(capped, c, { workers: 2 })).roots).toEqual(o1.roots)
    const volume = (o: MarketOutcome) => o.volumeWh.reduce((a, b) => a + b, 0)
    expect(volume(o1)).toBeGreaterThan(0)
    expect(volume(o1)).toBeLessThan(volume(o0))
    // Fees: buyers pay more than sellers receive (the difference goes to the grid operator).
    const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0)
    expect(sum(o1.paid)).toBeGreaterThan(sum(o1.received))
    expect(sum(o0.paid)).toBe(sum(o0.received))
  }, 60_000)

  it('delivers through the batteries: homes with one follow their contracts, the others replay their meters', async () => {
    const s = scenario({ capacity: false })
    const c = assembleCommunity(s, realDataSource())
    const o = await clearCommunity(s, c)
    const d = o.deliveredWh!
    const replay = (h: number, k: number) => c.net[h * c.stride + c.warmup + k]!
    let changed = 0
    for (let h = 0; h < c.n; h++) {
      const battery = c.households[h]!.batteryWh > 0
      let traded = false
      for (let k = 0; k < c.T; k++) {
        traded ||= o.boughtWh[h * c.T + k]! + o.soldWh[h * c.T + k]! > 0
        if (!battery || !traded) expect(d[h * c.T + k]).toBe(replay(h, k))
        else if (d[h * c.T + k] !== replay(h, k)) changed++
      }
    }
    expect(c.households.some((h) => h.batteryWh > 0)).toBe(true)
    expect(changed).toBeGreaterThan(0)
    expect(o.grid!.sameInjections).toBe(false)
    expect(o.grid!.withMarket).not.toEqual(o.grid!.gridOnly)
  }, 60_000)
})
