import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Side } from '../order/types.js'
import { createStrategy } from './createStrategy.js'
import { inverseNormal } from './forecastAware.js'
import { PriceMemory } from './priceMemory.js'
import { toIntent } from './truthful.js'
import type { StrategyContext } from './types.js'

const q = (p10: number[], p50: number[], p90: number[]) => ({
  p10: Float64Array.from(p10),
  p50: Float64Array.from(p50),
  p90: Float64Array.from(p90),
})
const tariff = { retailPrice: 300_000n, feedInPrice: 80_000n }
const ctx: StrategyContext = {
  firstInterval: 1000n,
  intervalS: 1800,
  load: q([100, 100], [200, 300], [400, 500]),
  pv: q([500, 0], [800, 0], [900, 0]),
  tariffs: [tariff, tariff],
}

describe('strategies', () => {
  it('truthful bids the median net at reservation prices', () => {
    expect(createStrategy('truthful').plan(ctx)).toEqual([
      { interval: 1000n, side: Side.Sell, quantityWh: 600n, limitPrice: 80_000n },
      { interval: 1001n, side: Side.Buy, quantityWh: 300n, limitPrice: 300_000n },
    ])
  })

  it('forecast-aware bids its marginal-value curve: likely Wh near reservation prices, doubtful ones in between', () => {
    const plan = createStrategy('forecast-aware').plan(ctx)
    const buys = plan.filter((o) => o.interval === 1001n)
    expect(buys.every((o) => o.side === Side.Buy)).toBe(true)
    // prices fall as the slices get less likely, from near retail towards feed-in
    for (let i = 1; i < buys.length; i++) expect(buys[i]!.limitPrice).toBeLessThan(buys[i - 1]!.limitPrice)
    expect(buys[0]!.limitPrice).toBeGreaterThan(280_000n)
    expect(buys[buys.length - 1]!.limitPrice).toBeLessThan(100_000n)
    // the curve spans the net-load distribution: more than the p10, less than far beyond the p90
    const total = buys.reduce((a, o) => a + o.quantityWh, 0n)
    expect(total).toBeGreaterThan(500n)
    expect(total).toBeLessThan(700n)
    expect(buys[0]!.quantityWh).toBeLessThanOrEqual(100n)
    // the PV home with a sure surplus sells: the first (likely) Wh cheapest
    const sells = plan.filter((o) => o.interval === 1000n && o.side === Side.Sell)
    expect(sells.length).toBeGreaterThan(1)
    expect(sells[0]!.limitPrice).toBeLessThan(sells[sells.length - 1]!.limitPrice)
  })

  it('forecast-aware with an exact forecast bids the true position at reservation prices, like truthful', () => {
    const exact = q([200, 300], [200, 300], [200, 300])
    const sure = { ...ctx, load: exact, pv: q([800, 0], [800, 0], [800, 0]) }
    const plan = createStrategy('forecast-aware').plan(sure)
    expect(plan).toHaveLength(2)
    expect(plan.map((o) => [o.interval, o.side, o.quantityWh])).toEqual([
      [1000n, Side.Sell, 600n],
      [1001n, Side.Buy, 300n],
    ])
    expect(plan[0]!.limitPrice).toBeLessThan(85_000n)
    expect(plan[1]!.limitPrice).toBeGreaterThan(295_000n)
  })

  it('forecast-aware never sells for a home without PV', () => {
    const plan = createStrategy('forecast-aware').plan({ ...ctx, pv: undefined })
    expect(plan.length).toBeGreaterThan(0)
    expect(plan.every((o) => o.side === Side.Buy && o.quantityWh > 0n && o.limitPrice >= 80_000n)).toBe(true)
  })

  it('forecast-aware plans the battery and offers what it has to spare: charge near feed-in, discharge near retail', () => {
    const battery = { capacityWh: 10_000, powerW: 5000, efficiency: 0.9, socWh: 0 }
    const exact = { ...ctx, load: q([200, 300], [200, 300], [200, 300]), pv: q([800, 0], [800, 0], [800, 0]) }
    // 600 Wh noon surplus charges the battery (540 Wh stored), which then covers the 300 Wh evening need: nothing
    // of its own to trade; the rest of its 2500 Wh per half hour and its charge go to the neighbours
    expect(createStrategy('forecast-aware').plan({ ...exact, battery })).toEqual([
      { interval: 1000n, side: Side.Buy, quantityWh: 1900n, limitPrice: 102_000n },
      { interval: 1000n, side: Side.Sell, quantityWh: 540n, limitPrice: 278_000n },
      { interval: 1001n, side: Side.Buy, quantityWh: 2500n, limitPrice: 102_000n },
      { interval: 1001n, side: Side.Sell, quantityWh: 240n, limitPrice: 278_000n },
    ])
  })

  it('forecast-aware: limits within the tariff band, sells only from PV, exact forecasts give the true position', () => {
    const wh = fc.integer({ min: 0, max: 3000 })
    const quantiles = fc.tuple(wh, wh, wh).map((v) => v.sort((a, b) => a - b))
    fc.assert(
      fc.property(quantiles, fc.option(quantiles, { nil: undefined }), (l, p) => {
        const one = (v: number[]) => q([v[0]!], [v[1]!], [v[2]!])
        const c: StrategyContext = { ...ctx, load: one(l), pv: p && one(p), tariffs: [tariff] }
        const plan = createStrategy('forecast-aware').plan(c)
        let sold = 0n
        for (const o of plan) {
          expect(o.quantityWh).toBeGreaterThanOrEqual(1n)
          expect(o.limitPrice).toBeGreaterThanOrEqual(tariff.feedInPrice)
          expect(o.limitPrice).toBeLessThanOrEqual(tariff.retailPrice)
          if (o.side === Side.Sell) sold += o.quantityWh
        }
        expect(sold).toBeLessThanOrEqual(BigInt(p?.[2] ?? 0))
        const exact = { ...c, load: one([l[1]!, l[1]!, l[1]!]), pv: p && one([p[1]!, p[1]!, p[1]!]) }
        const truth = toIntent(exact, 0, l[1]! - (p?.[1] ?? 0))
        expect(
          createStrategy('forecast-aware')
            .plan(exact)
            .map((o) => [o.side, o.quantityWh]),
        ).toEqual(truth ? [[truth.side, truth.quantityWh]] : [])
      }),
    )
  })

  it('is deterministic', () => {
    const s = createStrategy('forecast-aware')
    expect(s.plan(ctx)).toEqual(s.plan(ctx))
  })

  it('inverse normal', () => {
    expect(inverseNormal(0.9)).toBeCloseTo(1.2815515, 6)
    expect(inverseNormal(0.1)).toBeCloseTo(-1.2815515, 6)
  })

  it('price memory expects the median of past days at the same time of day', () => {
    const m = new PriceMemory(1800, 3)
    expect(m.expected(48n * 10n)).toBeUndefined()
    m.record(48n * 7n, 100n)
    m.record(48n * 8n, 300n)
    m.record(48n * 9n, 200n)
    expect(m.expected(48n * 10n)).toBe(200n)
  })
})

describe('zero intelligence', () => {
  it('bids the median position at limits drawn within [feed-in, retail], the same for the same seed', () => {
    const wh = fc.integer({ min: -3000, max: 3000 })
    fc.assert(
      fc.property(fc.nat(2 ** 32 - 1), fc.array(wh, { minLength: 1, maxLength: 48 }), (seed, net) => {
        const c: StrategyContext = {
          ...ctx,
          load: q(net, net, net),
          pv: undefined,
          tariffs: net.map(() => tariff),
        }
        const plan = createStrategy('zi', { seed }).plan(c)
        expect(plan.map((o) => [o.side, o.quantityWh])).toEqual(
          createStrategy('truthful')
            .plan(c)
            .map((o) => [o.side, o.quantityWh]),
        )
        for (const o of plan) {
          expect(o.limitPrice).toBeGreaterThanOrEqual(tariff.feedInPrice)
          expect(o.limitPrice).toBeLessThanOrEqual(tariff.retailPrice)
        }
        expect(createStrategy('zi', { seed }).plan(c)).toEqual(plan)
      }),
      { numRuns: 50 },
    )
  })
  it('draws limits that spread over the band', () => {
    const n = 200
    const c: StrategyContext = { ...ctx, load: q([], [], []), tariffs: [tariff] }
    const ones = new Array(n).fill(100)
    const plan = createStrategy('zi', { seed: 1 }).plan({ ...c, load: q(ones, ones, ones), pv: undefined })
    const limits = plan.map((o) => Number(o.limitPrice))
    expect(Math.min(...limits)).toBeLessThan(100_000)
    expect(Math.max(...limits)).toBeGreaterThan(280_000)
  })
})
