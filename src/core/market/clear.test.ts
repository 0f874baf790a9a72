import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Side, type VerifiedOrder } from '../order/types.js'
import { clear } from './clear.js'
import { accountN, bookOrder } from './testBooks.js'
import { CLEARING_RULES, type ClearingParams, type ClearingRule } from './types.js'

const tariffs = { retailPrice: 300_000n, feedInPrice: 80_000n }
const params = (rule: ClearingRule = 'k-da', extra: Partial<ClearingParams> = {}): ClearingParams => ({
  rule,
  interval: 100n,
  ...tariffs,
  ...extra,
})
const B = Side.Buy
const S = Side.Sell

describe('k-double auction: hand-checked examples', () => {
  it('excess demand at the margin sets the price at the marginal bid', () => {
    // Textbook step curves. Bids A 100@30k, B 200@25k, C 100@20k; asks X 150@15k, Y 100@22k, Z 200@28k.
    // Greedy: A-X 100, B-X 50, B-Y 100; B has 50 left at 25k < Z 28k. Volume 250.
    // lo = max(a* = 22k, b' = 25k) = 25k, hi = min(b* = 25k, a' = 28k) = 25k -> price 25k.
    const orders = [
      bookOrder(1, { side: B, quantityWh: 100, limitPrice: 30_000 }),
      bookOrder(2, { side: B, quantityWh: 200, limitPrice: 25_000 }),
      bookOrder(3, { side: B, quantityWh: 100, limitPrice: 20_000 }),
      bookOrder(4, { side: S, quantityWh: 150, limitPrice: 15_000 }),
      bookOrder(5, { side: S, quantityWh: 100, limitPrice: 22_000 }),
      bookOrder(6, { side: S, quantityWh: 200, limitPrice: 28_000 }),
    ]
    const r = clear(orders, params())
    expect(r.clearingPrice).toBe(25_000n)
    expect(r.volumeWh).toBe(250n)
    expect(r.trades.map((t) => [t.buyer, t.seller, t.quantityWh, t.amount])).toEqual([
      [accountN(1), accountN(4), 100n, 2_500n],
      [accountN(2), accountN(4), 50n, 1_250n],
      [accountN(2), accountN(5), 100n, 2_500n],
    ])
  })

  it('one bid and one ask trade at lo + k (hi - lo)', () => {
    const orders = [
      bookOrder(1, { side: B, quantityWh: 1000, limitPrice: 300_000 }),
      bookOrder(2, { side: S, quantityWh: 1000, limitPrice: 100_000 }),
    ]
    expect(clear(orders, params()).clearingPrice).toBe(200_000n)
    expect(clear(orders, params('k-da', { k: { num: 0n, den: 1n } })).clearingPrice).toBe(100_000n)
    expect(clear(orders, params('k-da', { k: { num: 1n, den: 1n } })).clearingPrice).toBe(300_000n)
    expect(clear(orders, params()).trades[0]!.amount).toBe(200_000n)
  })

  it('no trade when the best bid is below the best ask', () => {
    const orders = [
      bookOrder(1, { side: B, quantityWh: 10, limitPrice: 10 }),
      bookOrder(2, { side: S, quantityWh: 10, limitPrice: 11 }),
    ]
    const r = clear(orders, params())
    expect(r.trades).toEqual([])
    expect(r.clearingPrice).toBeUndefined()
  })

  it('pay-as-bid prices each trade at the buyer limit', () => {
    const orders = [
      bookOrder(1, { side: B, quantityWh: 100, limitPrice: 30_000 }),
      bookOrder(2, { side: B, quantityWh: 100, limitPrice: 25_000 }),
      bookOrder(3, { side: S, quantityWh: 200, limitPrice: 10_000 }),
    ]
    const r = clear(orders, params('pay-as-bid'))
    expect(r.trades.map((t) => t.price)).toEqual([30_000n, 25_000n])
    expect(r.clearingPrice).toBeUndefined()
  })
})

describe('SDR and MMR', () => {
  const orders = [
    bookOrder(1, { side: B, quantityWh: 600, limitPrice: 300_000 }),
    bookOrder(2, { side: B, quantityWh: 400, limitPrice: 300_000 }),
    bookOrder(3, { side: S, quantityWh: 500, limitPrice: 80_000 }),
  ]
  it('SDR: supply/demand 0.5 prices at retail*feedIn/((retail-feedIn)*0.5+feedIn), buyers pro rata', () => {
    const r = clear(orders, params('sdr'))
    // 300k * 80k / (220k * 0.5 + 80k) = 126315.78 -> 126315
    expect(r.clearingPrice).toBe(126_315n)
    expect(r.volumeWh).toBe(500n)
    const byBuyer = Object.fromEntries(r.trades.map((t) => [t.buyer, t.quantityWh]))
    expect(byBuyer).toEqual({ [accountN(1)]: 300n, [accountN(2)]: 200n })
  })
  it('SDR >= 1 prices at feed-in', () => {
    const r = clear([...orders, bookOrder(4, { side: S, quantityWh: 700, limitPrice: 80_000 })], params('sdr'))
    expect(r.clearingPrice).toBe(80_000n)
    expect(r.volumeWh).toBe(1000n)
  })
  it('MMR prices at the mid-market rate', () => {
    expect(clear(orders, params('mmr')).clearingPrice).toBe(190_000n)
  })
  it('orders whose limits refuse the price stay out', () => {
    const r = clear([...orders, bookOrder(5, { side: B, quantityWh: 100, limitPrice: 150_000 })], params('mmr'))
    expect(r.trades.every((t) => t.buyer !== accountN(5))).toBe(true)
  })
  it('refuses tariffs where feed-in is not below retail', () => {
    expect(() => clear(orders, params('sdr', { retailPrice: 80_000n }))).toThrowError(/feed-in/)
  })
})

describe('book selection', () => {
  it('drops orders for another interval, expiring early, equivocating, cancelled or duplicated', () => {
    const good = bookOrder(1, { side: B, quantityWh: 100, limitPrice: 300_000 })
    const seller = bookOrder(2, { side: S, quantityWh: 1000, limitPrice: 1 })
    const otherInterval = bookOrder(3, { side: B, quantityWh: 100, limitPrice: 300_000, interval: 101n })
    const expired = bookOrder(4, { side: B, quantityWh: 100, limitPrice: 300_000, expiry: 100n * 900n })
    const eq1 = bookOrder(5, { side: B, quantityWh: 100, limitPrice: 300_000, account: accountN(9), nonce: 7n })
    const eq2 = bookOrder(6, { side: B, quantityWh: 200, limitPrice: 300_000, account: accountN(9), nonce: 7n })
    const cancelled = bookOrder(7, { side: B, quantityWh: 100, limitPrice: 300_000 })
    const cancel = {
      cancel: {
        market: cancelled.order.market,
        interval: 100n,
        account: cancelled.order.account,
        orderId: cancelled.id,
      },
      signature: good.signature,
    }
    const forged = { ...cancel, cancel: { ...cancel.cancel, orderId: good.id } }
    const r = clear([good, good, seller, otherInterval, expired, eq1, eq2, cancelled], { ...params(), lengthS: 900 }, [
      cancel,
      forged,
    ])
    expect(r.trades.map((t) => t.buyId)).toEqual([good.id])
    expect(r.volumeWh).toBe(100n)
  })
})

const arbBook = fc
  .array(
    fc.record({
      side: fc.constantFrom(B, S),
      quantityWh: fc.integer({ min: 1, max: 10_000 }),
      limitPrice: fc.oneof(fc.integer({ min: 1, max: 400_000 }), fc.constantFrom(100_000, 200_000)),
      account: fc.integer({ min: 0, max: 12 }),
      nonce: fc.bigInt({ min: 0n, max: 3n }),
    }),
    { maxLength: 60 },
  )
  .map((xs) => xs.map((x, i) => bookOrder(i, { ...x, account: accountN(x.account) })))

function fills(orders: readonly VerifiedOrder[], result: ReturnType<typeof clear>) {
  const filled = new Map<string, bigint>()
  for (const t of result.trades) {
    filled.set(t.buyId, (filled.get(t.buyId) ?? 0n) + t.quantityWh)
    filled.set(t.sellId, (filled.get(t.sellId) ?? 0n) + t.quantityWh)
  }
  return new Map(orders.map((o) => [o.id, { o, filled: filled.get(o.id) ?? 0n }]))
}

describe('properties over random books, every rule', () => {
  for (const rule of CLEARING_RULES) {
    it(`${rule}: budget balance, individual rationality, feasibility, permutation invariance`, () => {
      fc.assert(
        fc.property(arbBook, fc.integer(), (orders, seed) => {
          const r = clear(orders, params(rule))
          const byId = fills(orders, r)
          let paid = 0n
          let received = 0n
          for (const t of r.trades) {
            const buy = byId.get(t.buyId)!.o.order
            const sell = byId.get(t.sellId)!.o.order
            expect(buy.side).toBe(B)
            expect(sell.side).toBe(S)
            expect(t.quantityWh > 0n).toBe(true)
            expect(t.price <= buy.limitPrice).toBe(true)
            expect(t.price >= sell.limitPrice).toBe(true)
            expect(t.amount).toBe((t.quantityWh * t.price) / 1000n)
            paid += t.amount
            received += t.amount
          }
          expect(paid).toBe(received)
          for (const { o, filled } of byId.values()) expect(filled <= o.order.quantityWh).toBe(true)
          const shuffled = fc.sample(fc.shuffledSubarray(orders, { minLength: orders.length }), {
            seed,
            numRuns: 1,
          })[0]!
          expect(clear(shuffled, params(rule)).root).toBe(r.root)
        }),
        { numRuns: 150 },
      )
    })
  }

  it('k-da: one price for every trade and no unmatched pair that could still trade at a profit', () => {
    fc.assert(
      fc.property(arbBook, (orders) => {
        const r = clear(orders, params('k-da'))
        for (const t of r.trades) expect(t.price).toBe(r.clearingPrice)
        const book = [...fills(orders, r).values()].filter(({ o }) => {
          // equivocating slots are out of the book by design
          const slot = orders.filter((x) => x.order.account === o.order.account && x.order.nonce === o.order.nonce)
          return slot.length === 1
        })
        const left = book.filter(({ o, filled }) => filled < o.order.quantityWh)
        const bestBid = Math.max(
          ...left.filter(({ o }) => o.order.side === B).map(({ o }) => Number(o.order.limitPrice)),
        )
        const bestAsk = Math.min(
          ...left.filter(({ o }) => o.order.side === S).map(({ o }) => Number(o.order.limitPrice)),
        )
        expect(bestBid < bestAsk).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('orders outside the book never trade', () => {
    fc.assert(
      fc.property(arbBook, (orders) => {
        const late = orders.map((o, i) => bookOrder(10_000 + i, { ...o.order, interval: 99n }))
        const r = clear([...orders, ...late], params('k-da'))
        const lateIds = new Set(late.map((o) => o.id))
        expect(r.trades.some((t) => lateIds.has(t.buyId) || lateIds.has(t.sellId))).toBe(false)
        expect(r.root).toBe(clear(orders, params('k-da')).root)
      }),
      { numRuns: 100 },
    )
  })
})

describe('prices beyond the fast path', () => {
  it('scaling every price by 2^50 scales the k-DA price and keeps the same fills', () => {
    fc.assert(
      fc.property(arbBook, (orders) => {
        const scale = 2n ** 50n
        const big = orders.map((o, i) => bookOrder(i, { ...o.order, limitPrice: o.order.limitPrice * scale }))
        const small = clear(orders, params('k-da', { k: { num: 0n, den: 1n } }))
        const large = clear(big, params('k-da', { k: { num: 0n, den: 1n } }))
        expect(large.clearingPrice).toBe(small.clearingPrice === undefined ? undefined : small.clearingPrice * scale)
        expect(large.trades.map((t) => [t.buyId, t.sellId, t.quantityWh])).toEqual(
          small.trades.map((t) => [t.buyId, t.sellId, t.quantityWh]),
        )
      }),
      { numRuns: 100 },
    )
  })
})
