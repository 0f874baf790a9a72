import fc from 'fast-check'
import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { Side, type VerifiedOrder } from '../order/types.js'
import { clear } from './clear.js'
import {
  buyExposure,
  coverEscrow,
  type EscrowCover,
  escrowCoverOf,
  isCancelledOnChain,
  type OnChainCancels,
} from './coverEscrow.js'
import { accountN, bookOrder } from './testBooks.js'
import { CLEARING_RULES } from './types.js'

const ACCOUNTS = 5
const tariffs = { retailPrice: 300_000n, feedInPrice: 80_000n }

/** Books of up to 40 orders over 5 accounts (nonces unique per account, as selectBook leaves them). */
const bookArb = fc
  .array(
    fc.record({
      account: fc.integer({ min: 0, max: ACCOUNTS - 1 }),
      side: fc.constantFrom(Side.Buy, Side.Sell),
      quantityWh: fc.integer({ min: 1, max: 5_000 }),
      limitPrice: fc.integer({ min: 50_000, max: 350_000 }),
    }),
    { maxLength: 40 },
  )
  .map((rows) => {
    const nonces = new Map<number, bigint>()
    return rows.map((r, i) => {
      const nonce = nonces.get(r.account) ?? 0n
      nonces.set(r.account, nonce + 1n)
      return bookOrder(i, { ...r, account: accountN(r.account), nonce })
    })
  })

/** Spendable amounts for a random subset of the accounts (the others are not registered for the interval). */
const coverArb: fc.Arbitrary<EscrowCover> = fc
  .array(fc.option(fc.bigInt({ min: 0n, max: 3_000_000n }), { nil: undefined }), {
    minLength: ACCOUNTS,
    maxLength: ACCOUNTS,
  })
  .map((amounts) => ({
    spendable: new Map(amounts.flatMap((a, i) => (a === undefined ? [] : [[accountN(i).toLowerCase(), a] as const]))),
  }))

const exposureOf = (book: readonly VerifiedOrder[], account: string) =>
  book
    .filter((o) => o.order.side === Side.Buy && o.order.account.toLowerCase() === account)
    .reduce((s, o) => s + buyExposure(o), 0n)

/** On-chain cancels of a book: a random subset of its orders by id, and random nonce floors per account. */
const cancelsOf = (book: readonly VerifiedOrder[]): fc.Arbitrary<OnChainCancels> =>
  fc
    .record({
      picked: fc.array(fc.boolean(), { minLength: book.length, maxLength: book.length }),
      floors: fc.array(fc.option(fc.bigInt({ min: 0n, max: 6n }), { nil: undefined }), {
        minLength: ACCOUNTS,
        maxLength: ACCOUNTS,
      }),
    })
    .map(({ picked, floors }) => {
      const orders = new Map<string, Set<string>>()
      book.forEach((o, i) => {
        if (!picked[i]) return
        const a = o.order.account.toLowerCase()
        orders.set(a, (orders.get(a) ?? new Set()).add(o.id.toLowerCase()))
      })
      const nonceFloor = new Map(
        floors.flatMap((f, i) => (f === undefined ? [] : [[accountN(i).toLowerCase(), f] as const])),
      )
      return { orders, nonceFloor }
    })

describe('coverEscrow with on-chain cancels', () => {
  it('a cancelled order never trades, and the cover is the one of the book without the cancelled orders', () => {
    fc.assert(
      fc.property(
        bookArb.chain((book) => fc.tuple(fc.constant(book), cancelsOf(book))),
        coverArb,
        fc.constantFrom(...CLEARING_RULES),
        ([book, cancels], cover, rule) => {
          const withCancels = { ...cover, cancelled: cancels }
          const kept = coverEscrow(book, withCancels)
          for (const o of kept) expect(isCancelledOnChain(o, cancels)).toBe(false)
          expect(kept).toEqual(
            coverEscrow(
              book.filter((o) => !isCancelledOnChain(o, cancels)),
              cover,
            ),
          )
          const ids = new Set(book.filter((o) => isCancelledOnChain(o, cancels)).map((o) => o.id))
          const result = clear(book, { rule, interval: 100n, ...tariffs, escrow: withCancels })
          for (const t of result.trades) {
            expect(ids.has(t.buyId)).toBe(false)
            expect(ids.has(t.sellId)).toBe(false)
          }
        },
      ),
    )
  })

  it('changes nothing when nothing is cancelled', () => {
    fc.assert(
      fc.property(bookArb, coverArb, fc.constantFrom(...CLEARING_RULES), (book, cover, rule) => {
        const none = { ...cover, cancelled: { orders: new Map(), nonceFloor: new Map() } }
        expect(coverEscrow(book, none)).toEqual(coverEscrow(book, cover))
        expect(clear(book, { rule, interval: 100n, ...tariffs, escrow: none }).root).toBe(
          clear(book, { rule, interval: 100n, ...tariffs, escrow: cover }).root,
        )
      }),
    )
  })

  it('counts the network fees of pending grid trades as owed by the buyer (not as income of the seller)', () => {
    const [b, s] = [accountN(0), accountN(1)]
    const pending = [[{ buyer: b, seller: s, amount: 100_000n, fee: 4_500n }]]
    const available = new Map([
      [b, 200_000n],
      [s, 10_000n],
    ])
    const cover = escrowCoverOf({ members: [b, s], available, pending })
    expect(cover.spendable.get(b.toLowerCase())).toBe(95_500n)
    expect(cover.spendable.get(s.toLowerCase())).toBe(10_000n)
    const plain = escrowCoverOf({ members: [b], available, pending: [[{ buyer: b, seller: s, amount: 100_000n }]] })
    expect(plain.spendable.get(b.toLowerCase())).toBe(100_000n)
  })

  it('a nonce floor cancels the nonces below it: cancelNonces(k, 0) drops nonce 0 and keeps nonce 1', () => {
    const a = accountN(0)
    const first = bookOrder(1, { side: Side.Sell, quantityWh: 600, limitPrice: 100_000, account: a, nonce: 0n })
    const second = bookOrder(2, { side: Side.Sell, quantityWh: 500, limitPrice: 100_000, account: a, nonce: 1n })
    const cancelled = { orders: new Map(), nonceFloor: new Map([[a.toLowerCase(), 1n]]) }
    expect(coverEscrow([first, second], { spendable: new Map([[a.toLowerCase(), 0n]]), cancelled })).toEqual([second])
    expect(escrowCoverOf({ members: [a], available: new Map(), pending: [], cancelled }).cancelled).toBe(cancelled)
  })
})

describe('coverEscrow', () => {
  it('keeps no buyer above its spendable amount and no order of an account outside the cover', () => {
    fc.assert(
      fc.property(bookArb, coverArb, (book, cover) => {
        const kept = coverEscrow(book, cover)
        for (const o of kept) expect(cover.spendable.has(o.order.account.toLowerCase())).toBe(true)
        for (const [account, spendable] of cover.spendable) {
          expect(exposureOf(kept, account)).toBeLessThanOrEqual(spendable)
        }
        // Sells of covered accounts all stay; kept orders keep the book's order.
        const sells = book.filter((o) => o.order.side === Side.Sell && cover.spendable.has(o.order.account))
        expect(kept.filter((o) => o.order.side === Side.Sell)).toEqual(sells)
        expect(book.filter((o) => kept.includes(o))).toEqual(kept)
      }),
    )
  })

  it('keeps the same set whatever the order of the book (every node, any arrival order)', () => {
    fc.assert(
      fc.property(bookArb, coverArb, fc.integer(), (book, cover, seed) => {
        const shuffled = fc.sample(fc.shuffledSubarray(book, { minLength: book.length }), { seed, numRuns: 1 })[0]!
        const ids = (b: readonly VerifiedOrder[]) => b.map((o) => o.id).sort()
        expect(ids(coverEscrow(shuffled, cover))).toEqual(ids(coverEscrow(book, cover)))
      }),
    )
  })

  it('leaves a book whose buyers are all covered unchanged, and is maximal: each left-out buy did not fit', () => {
    fc.assert(
      fc.property(bookArb, coverArb, (book, cover) => {
        const rich = { spendable: new Map([...Array(ACCOUNTS).keys()].map((i) => [accountN(i), 10n ** 30n])) }
        expect(coverEscrow(book, rich)).toEqual(book)
        const kept = new Set(coverEscrow(book, cover))
        for (const o of book) {
          const account = o.order.account.toLowerCase()
          if (kept.has(o) || o.order.side !== Side.Buy || !cover.spendable.has(account)) continue
          // Left out although covered: the buys kept before it in (nonce, id) order left too little.
          const before = [...kept].filter(
            (k) =>
              k.order.account.toLowerCase() === account && k.order.side === Side.Buy && k.order.nonce < o.order.nonce,
          )
          const used = before.reduce((s, k) => s + buyExposure(k), 0n)
          expect(used + buyExposure(o)).toBeGreaterThan(cover.spendable.get(account)!)
        }
      }),
    )
  })

  it('on the clearing path: under every rule no buyer pays more than it may spend', () => {
    fc.assert(
      fc.property(bookArb, coverArb, fc.constantFrom(...CLEARING_RULES), (book, cover, rule) => {
        const result = clear(book, { rule, interval: 100n, ...tariffs, escrow: cover })
        const paid = new Map<string, bigint>()
        for (const t of result.trades) {
          const b = t.buyer.toLowerCase()
          paid.set(b, (paid.get(b) ?? 0n) + t.amount)
          expect(cover.spendable.has(t.seller.toLowerCase())).toBe(true)
        }
        for (const [buyer, amount] of paid) expect(amount).toBeLessThanOrEqual(cover.spendable.get(buyer)!)
        // Without a cover the clearing is the one of today.
        expect(clear(book, { rule, interval: 100n, ...tariffs }).root).toBe(
          clear(book, { rule, interval: 100n, ...tariffs, escrow: undefined }).root,
        )
      }),
    )
  })

  it("takes a buyer's orders by nonce: 0.6 + 0.5 kWh at 300,000 with 200,000 spendable keeps nonce 0 only", () => {
    const a = accountN(0)
    const first = bookOrder(1, { side: Side.Buy, quantityWh: 600, limitPrice: 300_000, account: a, nonce: 0n })
    const second = bookOrder(2, { side: Side.Buy, quantityWh: 500, limitPrice: 300_000, account: a, nonce: 1n })
    const small = bookOrder(3, { side: Side.Buy, quantityWh: 50, limitPrice: 300_000, account: a, nonce: 2n })
    const cover = { spendable: new Map([[a.toLowerCase(), 200_000n]]) }
    // 180,000 for nonce 0; 150,000 does not fit in the 20,000 left; 15,000 does.
    expect(coverEscrow([second, small, first], cover)).toEqual([small, first])
  })
})

describe('escrowCoverOf', () => {
  it('subtracts what each member still owes for pending intervals, net of its sales there, never below 0', () => {
    const [a, b, c] = [accountN(0), accountN(1), accountN(2)]
    const t = (buyer: Address, seller: Address, amount: bigint) => ({ buyer, seller, amount })
    const cover = escrowCoverOf({
      members: [a, b, c],
      available: new Map([
        [a.toUpperCase().replace('0X', '0x'), 1_000n],
        [b, 500n],
      ]),
      // Interval 1: a buys 300 from b; b buys 100 from c. Interval 2: a buys 900 from c, sells 200 to b.
      pending: [
        [t(a, b, 300n), t(b, c, 100n)],
        [t(a, c, 900n), t(b, a, 200n)],
      ],
    })
    // a owes 300 + (900 - 200); b owes max(0, 100 - 300) + 200; c owes nothing and has no escrow.
    expect(cover.spendable).toEqual(
      new Map([
        [a, 0n],
        [b, 300n],
        [c, 0n],
      ]),
    )
  })
})
