import fc from 'fast-check'
import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { Side, type VerifiedOrder } from '../order/types.js'
import { clear } from './clear.js'
import type { GridClearing } from './grid.js'
import { accountN, bookOrder } from './testBooks.js'
import type { ClearingParams, ClearingRule } from './types.js'

const B = Side.Buy
const S = Side.Sell
const RECIPIENT = '0x00000000000000000000000000000000000000d5' as Address
const params = (rule: ClearingRule = 'k-da'): ClearingParams => ({
  rule,
  interval: 100n,
  retailPrice: 300_000n,
  feedInPrice: 80_000n,
})

/** Accounts 0..: feeder = account number mod `feeders` (account numbers >= 100 are off the network). */
function gridOf(feeders: number[], over: Partial<GridClearing> = {}): GridClearing {
  const byAccount = new Map<string, number>()
  for (let a = 0; a < 100; a++) byAccount.set(accountN(a).toLowerCase(), a % feeders.length)
  return {
    feederOf: (account) => byAccount.get(account.toLowerCase()),
    transformerOf: feeders,
    feePerWh: [1n, 10n, 40n],
    feeRecipient: RECIPIENT,
    ...over,
  }
}

describe('grid fees by level', () => {
  it('a pair on one feeder trades at the level-0 fee; across transformers only if the bid covers level 2', () => {
    // accounts 0 and 2 share feeder 0 (of 2 feeders on transformers 0 and 1); account 1 is on feeder 1.
    const grid = gridOf([0, 1])
    const orders = [
      bookOrder(1, { side: B, quantityWh: 100, limitPrice: 130_000, account: accountN(0) }),
      bookOrder(2, { side: S, quantityWh: 100, limitPrice: 100_000, account: accountN(2) }),
      bookOrder(3, { side: B, quantityWh: 100, limitPrice: 130_000, account: accountN(1) }),
      bookOrder(4, { side: S, quantityWh: 100, limitPrice: 95_000, account: accountN(4) }),
    ]
    const r = clear(orders, params(), [], grid)
    // Stage 0 (feeder 0: buyers 1, asks 2 and 4): bid 130k - 1k >= ask 95k, the cheaper; 2 remains.
    // Stage 2: bid 3 (feeder 1, other transformer) 130k - 40k = 90k < 100k: no trade.
    expect(r.trades.map((t) => [t.buyId, t.sellId, t.level, t.fee, t.price])).toEqual([
      [orders[0]!.id, orders[3]!.id, 0, 100n, 112_000n],
    ])
    expect(r.feeRecipient).toBe(RECIPIENT)
    expect(r.clearingPrice).toBeUndefined()
  })

  it('without grid input the result (and its v1 root) is the plain market one', () => {
    const orders = [
      bookOrder(1, { side: B, quantityWh: 100, limitPrice: 130_000 }),
      bookOrder(2, { side: S, quantityWh: 100, limitPrice: 100_000 }),
    ]
    const plain = clear(orders, params())
    expect(plain.trades[0]).toStrictEqual({
      buyId: orders[0]!.id,
      sellId: orders[1]!.id,
      buyer: orders[0]!.order.account,
      seller: orders[1]!.order.account,
      quantityWh: 100n,
      price: 115_000n,
      amount: 11_500n,
    })
    expect('feeRecipient' in plain).toBe(false)
    const zeroFees = clear(orders, params(), [], gridOf([0], { feePerWh: [0n, 0n, 0n] }))
    expect(zeroFees.root).not.toBe(plain.root) // v2 commits to the fee recipient and fees
  })

  it('rejects fees that fall with the level, and the SDR rule', () => {
    const orders = [bookOrder(1, { side: B, quantityWh: 1, limitPrice: 1 })]
    expect(() => clear(orders, params(), [], gridOf([0], { feePerWh: [5n, 1n, 9n] }))).toThrowError(/feePerWh/)
    expect(() => clear(orders, params('sdr'), [], gridOf([0]))).toThrowError(/k-da or pay-as-bid/)
  })
})

describe('capacity limits', () => {
  it('sellers all on feeder 0, buyers on feeder 1: feeder 0 exports no more than its limit', () => {
    const grid = gridOf([0, 0], {
      limits: { feeders: [{ importWh: 10_000n, exportWh: 700n }, undefined] },
    })
    const orders: VerifiedOrder[] = []
    for (let i = 0; i < 10; i++) {
      orders.push(bookOrder(i, { side: S, quantityWh: 300, limitPrice: 50_000 + i, account: accountN(2 * i) }))
      orders.push(bookOrder(100 + i, { side: B, quantityWh: 300, limitPrice: 200_000, account: accountN(2 * i + 1) }))
    }
    const free = clear(orders, params(), [], gridOf([0, 0]))
    expect(free.volumeWh).toBe(3_000n)
    const capped = clear(orders, params(), [], grid)
    expect(capped.volumeWh).toBe(700n)
    // the cheapest sellers go first: 300 + 300 + 100 Wh
    expect(capped.trades.map((t) => t.quantityWh)).toEqual([300n, 300n, 100n])
    expect(capped.trades.every((t) => t.level === 1)).toBe(true)
  })

  it('a transformer import limit caps what its feeders buy upstream', () => {
    const grid = gridOf([0, 1], { limits: { transformers: [undefined, { importWh: 250n, exportWh: 0n }] } })
    // buyers on feeder 1 (transformer 1), sellers on feeder 0 (transformer 0)
    const orders = [1, 3, 5].flatMap((a, i) => [
      bookOrder(i, { side: B, quantityWh: 100, limitPrice: 200_000, account: accountN(a) }),
      bookOrder(10 + i, { side: S, quantityWh: 100, limitPrice: 10_000, account: accountN(a - 1) }),
    ])
    expect(clear(orders, params(), [], grid).volumeWh).toBe(250n)
  })
})

const arbGrid = fc.record({
  transformerOf: fc.array(fc.nat(2), { minLength: 1, maxLength: 4 }),
  fees: fc.tuple(fc.nat(20), fc.nat(20), fc.nat(40)).map(([a, b, c]) => [a, a + b, a + b + c].map(BigInt)),
  feederLimits: fc.array(fc.option(fc.record({ importWh: fc.nat(3_000), exportWh: fc.nat(3_000) })), {
    maxLength: 4,
  }),
  trLimits: fc.array(fc.option(fc.record({ importWh: fc.nat(3_000), exportWh: fc.nat(3_000) })), { maxLength: 3 }),
})

const arbBook = fc
  .array(
    fc.record({
      side: fc.constantFrom(B, S),
      quantityWh: fc.integer({ min: 1, max: 2_000 }),
      limitPrice: fc.integer({ min: 1, max: 300_000 }),
      account: fc.oneof(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 100, max: 103 })),
    }),
    { maxLength: 50 },
  )
  .map((xs) => xs.map((x, i) => bookOrder(i, { ...x, account: accountN(x.account) })))

function gridFrom(g: typeof arbGrid extends fc.Arbitrary<infer T> ? T : never) {
  const feeders = g.transformerOf.length
  const lim = (l: { importWh: number; exportWh: number } | null) =>
    l === null ? undefined : { importWh: BigInt(l.importWh), exportWh: BigInt(l.exportWh) }
  return gridOf(g.transformerOf, {
    feePerWh: g.fees as [bigint, bigint, bigint],
    limits: {
      feeders: g.feederLimits.slice(0, feeders).map(lim),
      transformers: g.trLimits.slice(0, Math.max(...g.transformerOf) + 1).map(lim),
    },
  })
}

describe('grid clearing properties', () => {
  for (const rule of ['k-da', 'pay-as-bid'] as const) {
    it(`${rule}: budget balance with fees, rationality after fees, limits kept, permutation invariance`, () => {
      fc.assert(
        fc.property(arbBook, arbGrid, fc.integer(), (orders, g, seed) => {
          const grid = gridFrom(g)
          const r = clear(orders, params(rule), [], grid)
          const byId = new Map(orders.map((o) => [o.id, o.order]))
          const filled = new Map<string, bigint>()
          const exported = new Map<string, bigint>()
          const add = (m: Map<string, bigint>, k: string, q: bigint) => m.set(k, (m.get(k) ?? 0n) + q)
          let buyersPay = 0n
          let sellersGet = 0n
          let fees = 0n
          let volume = 0n
          for (const t of r.trades) {
            const buy = byId.get(t.buyId)!
            const sell = byId.get(t.sellId)!
            expect([buy.side, sell.side]).toEqual([B, S])
            expect(t.quantityWh > 0n).toBe(true)
            expect(t.fee).toBe(t.quantityWh * grid.feePerWh[t.level!])
            expect(t.amount).toBe((t.quantityWh * t.price) / 1000n)
            // rationality after fees, in token units
            expect(t.amount + t.fee! <= (t.quantityWh * buy.limitPrice) / 1000n).toBe(true)
            expect(t.amount >= (t.quantityWh * sell.limitPrice) / 1000n).toBe(true)
            buyersPay += t.amount + t.fee!
            sellersGet += t.amount
            fees += t.fee!
            volume += t.quantityWh
            add(filled, t.buyId, t.quantityWh)
            add(filled, t.sellId, t.quantityWh)
            const fb = grid.feederOf(buy.account)
            const fs = grid.feederOf(sell.account)
            const level =
              fb === undefined || fs === undefined
                ? 2
                : fb === fs
                  ? 0
                  : grid.transformerOf[fb] === grid.transformerOf[fs]
                    ? 1
                    : 2
            expect(t.level).toBe(level)
            if (level >= 1) {
              if (fs !== undefined) add(exported, `f${fs}:out`, t.quantityWh)
              if (fb !== undefined) add(exported, `f${fb}:in`, t.quantityWh)
            }
            if (level === 2) {
              if (fs !== undefined) add(exported, `t${grid.transformerOf[fs]}:out`, t.quantityWh)
              if (fb !== undefined) add(exported, `t${grid.transformerOf[fb]}:in`, t.quantityWh)
            }
          }
          expect(buyersPay).toBe(sellersGet + fees)
          expect(r.volumeWh).toBe(volume)
          for (const o of orders) expect((filled.get(o.id) ?? 0n) <= o.order.quantityWh).toBe(true)
          grid.limits?.feeders?.forEach((l, f) => {
            if (!l) return
            expect((exported.get(`f${f}:out`) ?? 0n) <= l.exportWh).toBe(true)
            expect((exported.get(`f${f}:in`) ?? 0n) <= l.importWh).toBe(true)
          })
          grid.limits?.transformers?.forEach((l, t) => {
            if (!l) return
            expect((exported.get(`t${t}:out`) ?? 0n) <= l.exportWh).toBe(true)
            expect((exported.get(`t${t}:in`) ?? 0n) <= l.importWh).toBe(true)
          })
          const shuffled = fc.sample(fc.shuffledSubarray(orders, { minLength: orders.length }), {
            seed,
            numRuns: 1,
          })[0]!
          expect(clear(shuffled, params(rule), [], grid).root).toBe(r.root)
        }),
        { numRuns: 300 },
      )
    })
  }
})
