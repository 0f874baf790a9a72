import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { settleImbalance } from './settleImbalance.js'

const tariff = { retailPrice: 300_000n, feedInPrice: 80_000n }

describe('settleImbalance', () => {
  it('sells energy bought but not used back at feed-in', () => {
    expect(settleImbalance({ contractedWh: 500n, meteredWh: 300n, tariff })).toEqual({
      imbalanceWh: -200n,
      fromGridWh: 0n,
      toGridWh: 200n,
      cost: -16_000n,
    })
  })

  it('buys energy sold but not produced at retail', () => {
    // sold 400 Wh, exported only 100 Wh: 300 Wh from the grid
    expect(settleImbalance({ contractedWh: -400n, meteredWh: -100n, tariff }).cost).toBe(90_000n)
  })

  it('rounds the magnitude down', () => {
    expect(
      settleImbalance({ contractedWh: 0n, meteredWh: 1n, tariff: { retailPrice: 999n, feedInPrice: 1n } }).cost,
    ).toBe(0n)
    expect(
      settleImbalance({ contractedWh: 0n, meteredWh: -7n, tariff: { retailPrice: 1n, feedInPrice: 999n } }).cost,
    ).toBe(-6n)
  })

  it('rejects negative prices', () => {
    expect(() =>
      settleImbalance({ contractedWh: 0n, meteredWh: 1n, tariff: { retailPrice: -1n, feedInPrice: 0n } }),
    ).toThrow(/prices/)
  })

  it('with no trades is the plain grid bill, and a perfect contract costs nothing', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -100_000n, max: 100_000n }), (m) => {
        const plain = settleImbalance({ contractedWh: 0n, meteredWh: m, tariff })
        expect(plain.cost).toBe(m >= 0n ? (m * 300_000n) / 1000n : -((-m * 80_000n) / 1000n))
        expect(plain.fromGridWh - plain.toGridWh).toBe(m)
        expect(settleImbalance({ contractedWh: m, meteredWh: m, tariff }).cost).toBe(0n)
      }),
    )
  })
})
