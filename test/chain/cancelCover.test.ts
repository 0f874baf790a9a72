/**
 * No interval held hostage by an on-chain cancel (docs/protocol.md, "Escrow cover"), against a real anvil: a cancel
 * made before the interval's reference point is in the escrow snapshot every node reads, so every node's clearing
 * leaves the cancelled order out and the agreed batch settles; a cancel after the reference point is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { settlementAbi } from '../../src/chain/contracts.js'
import { readEscrowSnapshot } from '../../src/chain/readEscrowSnapshot.js'
import { clear } from '../../src/core/market/clear.js'
import { escrowCoverOf } from '../../src/core/market/coverEscrow.js'
import type { ClearingResult } from '../../src/core/market/types.js'
import type { VerifiedOrder } from '../../src/core/order/types.js'
import { type AuditContext, startAuditContext } from './auditContext.js'

let ctx: AuditContext
beforeAll(async () => {
  ctx = await startAuditContext(6)
})
afterAll(async () => ctx?.stop())

const LENGTH = 900n
const GATE = 60n

describe('on-chain cancels and the escrow cover', () => {
  it('a cancel before the reference point is left out by every node and the batch settles; a later one is refused', async () => {
    const k = (await ctx.currentInterval()) + 3n
    const b = await ctx.book(k, 3) // buys 0, 1 and sells 0, 1 (staircase)
    const [victim, other] = [b.orders[0]!, b.orders[1]!]
    const keyOf = (o: VerifiedOrder) => ctx.dev.accounts.find((a) => a.address === o.order.account)!.privateKey
    expect(await ctx.write(ctx.walletOf(keyOf(victim)), 'cancelOrder', [k, victim.id])).toEqual({
      refused: false,
      error: '',
    })
    // The reference point of k: the gate closure of k - 1. One block after it makes the reference block final.
    const referenceS = (k - 1n) * LENGTH - GATE
    await ctx.setTime(referenceS + 1n)
    const late = await ctx.write(ctx.walletOf(keyOf(other)), 'cancelNonces', [k, 5n])
    expect(late).toMatchObject({ refused: true, error: 'CancelTooLate', args: [k, referenceS] })
    expect(await ctx.write(ctx.walletOf(keyOf(other)), 'cancelOrder', [k, other.id])).toMatchObject({
      refused: true,
      error: 'CancelTooLate',
    })

    const members = ctx.dev.accounts.map((a) => a.address)
    const snap = (await readEscrowSnapshot(ctx.pub, {
      settlement: ctx.dev.settlement,
      accounts: members,
      atS: referenceS,
      settledRange: { from: k - 128n, to: k - 1n },
      cancelsOf: k,
    }))!
    expect(snap.cancels?.orders).toEqual(
      new Map([[victim.order.account.toLowerCase(), new Set([victim.id.toLowerCase()])]]),
    )
    expect(snap.cancels?.nonceFloor.size).toBe(0)
    // Another interval has no cancels: its flag is clear and nothing is read.
    const none = (await readEscrowSnapshot(ctx.pub, {
      settlement: ctx.dev.settlement,
      accounts: [],
      atS: referenceS,
      cancelsOf: k + 1n,
    }))!
    expect(none.cancels?.orders.size).toBe(0)

    // Every node (its book in its own arrival order) clears the same result, without the cancelled order.
    const cover = escrowCoverOf({ members, available: snap.available, pending: [], cancelled: snap.cancels })
    const params = { rule: 'k-da', interval: k, retailPrice: 400_000n, feedInPrice: 80_000n } as const
    const books = [b.orders, [...b.orders].reverse(), [...b.orders.slice(2), ...b.orders.slice(0, 2)]]
    const results = books.map((orders) => clear(orders, { ...params, escrow: cover }))
    for (const r of results) expect(r.root).toBe(results[0]!.root)
    const agreed = results[0]!
    expect(agreed.trades.length).toBeGreaterThan(0)
    expect(agreed.trades.some((t) => t.buyId === victim.id || t.sellId === victim.id)).toBe(false)
    // Without the cancels the victim trades, and `settle` would refuse the batch.
    const blind = clear(b.orders, { ...params, escrow: { spendable: cover.spendable } })
    expect(blind.trades.some((t) => t.buyId === victim.id)).toBe(true)

    const [earliest] = (await ctx.pub.readContract({
      address: ctx.dev.settlement,
      abi: settlementAbi,
      functionName: 'settlementTimes',
      args: [k],
    })) as readonly [bigint, bigint]
    await ctx.setTime(earliest + 1n)
    const batchOf = async (r: ClearingResult) => {
      const used = new Set(r.trades.flatMap((t) => [t.buyId, t.sellId]))
      const book = { orders: b.orders.filter((o) => used.has(o.id)), trades: [...r.trades] }
      const agreement = ctx.agree(k, book)
      return ctx.encode(k, book, { ...agreement, rule: r.rule, clearingPrice: r.clearingPrice })
    }
    expect(await ctx.attempt(await batchOf(blind))).toMatchObject({ refused: true, error: 'OrderCancelled' })
    expect(await ctx.attempt(await batchOf(agreed))).toEqual({ refused: false, error: '' })
    expect(
      await ctx.pub.readContract({
        address: ctx.dev.settlement,
        abi: settlementAbi,
        functionName: 'isSettled',
        args: [k],
      }),
    ).toBe(true)
  })
})
