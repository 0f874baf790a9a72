import { describe, expect, it } from 'vitest'
import { Side } from '../order/types.js'
import { createStrategy } from './createStrategy.js'
import { inverseNormal } from './forecastAware.js'
import { PriceMemory } from './priceMemory.js'
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

  it('forecast-aware buys more where the market clears at feed-in and less where it clears at retail', () => {
    const s = createStrategy('forecast-aware')
    const cheap = s.plan({ ...ctx, expectedPrice: [80_000n, 80_000n] })[1]!
    const dear = s.plan({ ...ctx, expectedPrice: [300_000n, 300_000n] })[1]!
    expect(cheap.quantityWh).toBeGreaterThan(300n)
    expect(dear.quantityWh).toBeLessThan(300n)
  })

  it('forecast-aware plans the battery: stores the noon surplus, then covers the evening', () => {
    const battery = { capacityWh: 10_000, powerW: 5000, efficiency: 0.9, socWh: 0 }
    const plan = createStrategy('forecast-aware').plan({ ...ctx, battery })
    // 600 Wh surplus charges the battery (540 Wh stored), which then covers the 300 Wh evening need
    expect(plan).toEqual([])
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
