import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clear } from '../../src/core/market/index.js'
import type { VerifiedOrder } from '../../src/core/order/types.js'
import { rules } from '../scenario/schema.js'

/**
 * Fast mode clears an interval where no bid reaches an ask as an empty book, without hashing its orders.
 * That is sound only if the core gives such a book exactly the empty book's result; this checks it for every rule.
 */
describe('non-crossing books', () => {
  const order = (i: number, side: 0 | 1, qty: number, price: number): VerifiedOrder => ({
    id: `0x${i.toString(16).padStart(64, '0')}`,
    signature: '0x',
    order: {
      market: `0x${'11'.repeat(32)}`,
      interval: 1000n,
      side,
      quantityWh: BigInt(qty),
      limitPrice: BigInt(price),
      account: `0x${(i + 1).toString(16).padStart(40, '0')}`,
      nonce: 0n,
      expiry: 10n ** 9n,
    },
  })
  it('have the root of the empty book under every rule', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...rules),
        fc.integer({ min: 2, max: 400_000 }),
        fc.array(fc.record({ qty: fc.integer({ min: 1, max: 5000 }), below: fc.integer({ min: 1, max: 1000 }) }), {
          maxLength: 8,
        }),
        fc.array(fc.record({ qty: fc.integer({ min: 1, max: 5000 }), above: fc.integer({ min: 0, max: 1000 }) }), {
          maxLength: 8,
        }),
        (rule, cut, bids, asks) => {
          const book = [
            ...bids.map((b, i) => order(i, 0, b.qty, Math.max(1, cut - b.below))),
            ...asks.map((a, i) => order(100 + i, 1, a.qty, cut + a.above)),
          ].filter((o) => o.order.side === 1 || o.order.limitPrice < BigInt(cut))
          const params = { rule, interval: 1000n, retailPrice: 450_000n, feedInPrice: 70_000n }
          const full = clear(book, params)
          expect(full.trades).toEqual([])
          expect(full.root).toBe(clear([], params).root)
        },
      ),
      { numRuns: 300 },
    )
  })
})
