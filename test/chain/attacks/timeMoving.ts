import { settlementAbi } from '../../../src/chain/contracts.js'
import type { Attack } from './helpers.js'

export const TIME_MOVING_ATTACKS: readonly Attack[] = [
  {
    name: 'filling an order cancelled on chain (cancelOrder before the reference point)',
    expected: 'OrderCancelled',
    async run(ctx) {
      // Interval c + 3: its reference point (gate closure of c + 2) is still ahead whatever the time within c.
      const interval = (await ctx.currentInterval()) + 3n
      const book = await ctx.book(interval, 1)
      const batch = await ctx.encode(interval, book)
      const victim = book.orders[0]!
      const owner = ctx.dev.accounts.find((a) => a.address === victim.order.account)!
      const cancelled = await ctx.write(ctx.walletOf(owner.privateKey), 'cancelOrder', [interval, victim.id])
      if (cancelled.refused) return { refused: false, error: `cancel refused: ${cancelled.error}` }
      await ctx.setTime(interval * 900n + 1n)
      return ctx.attempt(batch)
    },
  },
  {
    name: 'filling an order whose nonces were cancelled on chain (cancelNonces)',
    expected: 'OrderCancelled',
    async run(ctx) {
      const interval = (await ctx.currentInterval()) + 3n
      const book = await ctx.book(interval, 1)
      const batch = await ctx.encode(interval, book)
      const owner = ctx.dev.accounts.find((a) => a.address === book.orders[1]!.order.account)!
      const cancelled = await ctx.write(ctx.walletOf(owner.privateKey), 'cancelNonces', [interval, 0n])
      if (cancelled.refused) return { refused: false, error: `cancel refused: ${cancelled.error}` }
      await ctx.setTime(interval * 900n + 1n)
      return ctx.attempt(batch)
    },
  },
  {
    name: 'a cancel after the reference point, its book still open (to hold the interval hostage)',
    expected: 'CancelTooLate',
    async run(ctx) {
      // Interval c + 1: its reference point (gate closure of c) has passed; the nodes' snapshot would not see it.
      const interval = (await ctx.currentInterval()) + 1n
      const book = await ctx.book(interval, 1)
      const owner = ctx.dev.accounts.find((a) => a.address === book.orders[0]!.order.account)!
      const w = ctx.walletOf(owner.privateKey)
      const byId = await ctx.write(w, 'cancelOrder', [interval, book.orders[0]!.id])
      if (!byId.refused) return { refused: false, error: 'cancelOrder after the reference point was accepted' }
      if (byId.error !== 'CancelTooLate') return byId
      return ctx.write(w, 'cancelNonces', [interval, 0n])
    },
  },
  {
    name: 'a cancel after gate closure (to make an agreed interval unpayable)',
    expected: 'CancelTooLate',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const owner = ctx.dev.accounts.find((a) => a.address === book.orders[0]!.order.account)!
      return ctx.write(ctx.walletOf(owner.privateKey), 'cancelOrder', [interval, book.orders[0]!.id])
    },
  },
  {
    name: 'a withdrawal with an expired request (made long before)',
    expected: 'WithdrawalExpired',
    async run(ctx) {
      const w = ctx.walletOf(ctx.dev.accounts[5]!.privateKey)
      await ctx.write(w, 'requestWithdrawal', [1000n])
      const [, , expiresAt] = await ctx.pub.readContract({
        address: ctx.dev.settlement,
        abi: settlementAbi,
        functionName: 'withdrawalOf',
        args: [ctx.dev.accounts[5]!.address],
      })
      await ctx.setTime(BigInt(expiresAt) + 1n)
      return ctx.write(w, 'withdraw', [])
    },
  },
]
