import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { OrderIntent } from '../strategy/types.js'
import { clampIntents, mergeCurve, type OrderBounds, ordersFor, SETTLEMENT_WINDOW_S } from './orderPolicy.js'
import { Side } from './types.js'

const BOUNDS: OrderBounds = {
  minQuantityWh: 10n,
  maxQuantityWh: 20_000n,
  minSellPrice: 80_000n,
  maxBuyPrice: 300_000n,
  maxOrders: 16,
}
const intent = fc.record({
  interval: fc.constant(7n),
  side: fc.constantFrom(Side.Buy, Side.Sell),
  quantityWh: fc.bigInt({ min: 1n, max: 50_000n }),
  limitPrice: fc.bigInt({ min: 1n, max: 500_000n }),
})
const sum = (xs: readonly OrderIntent[], side: Side) =>
  xs.filter((x) => x.side === side).reduce((s, x) => s + x.quantityWh, 0n)

describe('order policy (shared by the node and fast mode)', () => {
  it('merges a long curve into at most n orders, same energy per side, never beyond a slice its own limit', () => {
    fc.assert(
      fc.property(fc.array(intent, { maxLength: 40 }), fc.integer({ min: 2, max: 16 }), (curve, max) => {
        const merged = mergeCurve(curve, max)
        expect(merged.length).toBeLessThanOrEqual(Math.max(max, 0))
        if (curve.length <= max) expect(merged).toEqual(curve)
        expect(sum(merged, Side.Buy)).toBe(sum(curve, Side.Buy))
        expect(sum(merged, Side.Sell)).toBe(sum(curve, Side.Sell))
        // A merged buy pays at most what every slice in it would pay; a merged sell asks at least every slice's ask.
        const buys = curve.filter((c) => c.side === Side.Buy).map((c) => c.limitPrice)
        const sells = curve.filter((c) => c.side === Side.Sell).map((c) => c.limitPrice)
        for (const m of merged) expect(m.side === Side.Buy ? buys : sells).toContain(m.limitPrice)
      }),
    )
  })

  it('a buy bucket bids its lowest limit, a sell bucket asks its highest', () => {
    const curve = Array.from({ length: 13 }, (_, i) => ({
      interval: 1n,
      side: i < 9 ? Side.Buy : Side.Sell,
      quantityWh: BigInt(10 + i),
      limitPrice: BigInt(100_000 + i * 10_000),
    }))
    const merged = mergeCurve(curve, 4)
    expect(merged.map((m) => [m.side, m.limitPrice])).toEqual([
      [Side.Buy, 100_000n],
      [Side.Buy, 130_000n],
      [Side.Buy, 160_000n],
      [Side.Sell, 220_000n],
    ])
  })

  it('clamps quantities and prices into the bounds and drops what is then too small', () => {
    fc.assert(
      fc.property(fc.array(intent, { maxLength: 20 }), (xs) => {
        for (const c of clampIntents(xs, BOUNDS)) {
          expect(c.quantityWh).toBeGreaterThanOrEqual(BOUNDS.minQuantityWh)
          expect(c.quantityWh).toBeLessThanOrEqual(BOUNDS.maxQuantityWh)
          if (c.side === Side.Sell) expect(c.limitPrice).toBeGreaterThanOrEqual(BOUNDS.minSellPrice)
          else expect(c.limitPrice).toBeLessThanOrEqual(BOUNDS.maxBuyPrice)
        }
        expect(clampIntents(xs, BOUNDS).length).toBe(xs.filter((x) => x.quantityWh >= 10n).length)
      }),
    )
  })

  it('orders carry nonces 0..n-1 of their interval and expire a week after it ends', () => {
    const market = `0x${'ab'.repeat(32)}` as const
    const account = '0x000000000000000000000000000000000000dEaD' as const
    const xs: OrderIntent[] = [
      { interval: 7n, side: Side.Sell, quantityWh: 500n, limitPrice: 1n },
      { interval: 8n, side: Side.Buy, quantityWh: 500n, limitPrice: 100_000n },
      { interval: 7n, side: Side.Buy, quantityWh: 5n, limitPrice: 100_000n },
      { interval: 7n, side: Side.Buy, quantityWh: 50_000n, limitPrice: 900_000n },
    ]
    const orders = ordersFor(xs, 7n, BOUNDS, { market, account, intervalS: 900 })
    expect(orders.map((o) => [o.nonce, o.side, o.quantityWh, o.limitPrice])).toEqual([
      [0n, Side.Sell, 500n, 80_000n],
      [1n, Side.Buy, 20_000n, 300_000n],
    ])
    expect(orders[0]!.expiry).toBe(8n * 900n + SETTLEMENT_WINDOW_S)
  })
})
