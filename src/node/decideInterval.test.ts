import { describe, expect, it } from 'vitest'
import { DEFAULT_ORDER_LIMITS } from '../core/order/orderPolicy.js'
import { Side } from '../core/order/types.js'
import { nodeDecider } from './adapters/decider.js'
import { type DecisionInput, decideInterval } from './decideInterval.js'
import type { Decider } from './ports.js'

const INPUT: DecisionInput = {
  interval: 2_000_000,
  lengthS: 900,
  tariff: { retailPrice: 300_000n, feedInPrice: 80_000n },
  meterFresh: true,
  history: { measuredIntervals: 0, powerW: -4000 }, // a fresh node exporting 4 kW
  bounds: DEFAULT_ORDER_LIMITS,
  market: `0x${'ab'.repeat(32)}`,
  account: '0x000000000000000000000000000000000000dEaD',
}
const decider = () =>
  nodeDecider({ intervalS: 900, model: 'empirical-profile', strategy: 'forecast-aware', utcOffsetMs: 0 })

describe('decideInterval (the default decider: core forecasters, forecast-aware, order policy)', () => {
  it('a young node holds its current power: a bid curve of sells within the bounds, nonces 0..n-1', () => {
    const d = decideInterval(decider(), INPUT)
    expect(d.forecast.netWh).toBe(1000) // 4 kW for 15 minutes
    expect(d.orders.length).toBeGreaterThan(1)
    expect(d.orders.length).toBeLessThanOrEqual(16)
    expect(d.orders.map((o) => o.nonce)).toEqual(d.orders.map((_, i) => BigInt(i)))
    for (const o of d.orders) {
      expect(o.side).toBe(Side.Sell)
      expect(o.limitPrice).toBeGreaterThanOrEqual(80_000n)
      expect(o.interval).toBe(2_000_000n)
    }
    expect(d.orders.reduce((s, o) => s + o.quantityWh, 0n)).toBeLessThanOrEqual(1300n) // at most its p90
  })

  it('without a fresh reading it offers nothing, and says how much it withheld', () => {
    const d = decideInterval(decider(), { ...INPUT, meterFresh: false })
    expect(d.orders).toEqual([])
    expect(d.suppressedSells).toBeGreaterThan(0)
  })

  it('after a day of measured intervals it follows the models: a household that only imports buys', () => {
    const dd = decider()
    const first = INPUT.interval - 96
    for (let k = first; k < INPUT.interval; k++) {
      dd.load.observe(k * 900_000, 300)
      dd.pv.observe(k * 900_000, 0)
    }
    const d = decideInterval(dd, { ...INPUT, history: { measuredIntervals: 96, powerW: -4000 } })
    expect(d.forecast.netWh).toBe(-300)
    expect(d.orders.length).toBeGreaterThan(0)
    expect(d.orders.every((o) => o.side === Side.Buy && o.limitPrice <= 300_000n)).toBe(true)
  })

  it("holds the orders to the interval's tariff unless the config sets the price bounds", () => {
    const wild: Decider = {
      ...decider(),
      strategy: {
        name: 'wild',
        plan: (ctx) => [
          { interval: ctx.firstInterval, side: Side.Buy, quantityWh: 100n, limitPrice: 900_000n },
          { interval: ctx.firstInterval, side: Side.Sell, quantityWh: 100n, limitPrice: 1n },
        ],
      },
    }
    const peak = { ...INPUT, tariff: { retailPrice: 450_000n, feedInPrice: 70_000n } }
    const limits = (i: DecisionInput) => decideInterval(wild, i).orders.map((o) => [o.side, o.limitPrice])
    expect(limits(peak)).toEqual([
      [Side.Buy, 450_000n],
      [Side.Sell, 70_000n],
    ])
    expect(
      limits({ ...peak, bounds: { ...DEFAULT_ORDER_LIMITS, maxBuyPrice: 200_000n, minSellPrice: 90_000n } }),
    ).toEqual([
      [Side.Buy, 200_000n],
      [Side.Sell, 90_000n],
    ])
  })
})
