/** The registry, escrow deposits and withdrawals, and hostile tokens. */
import { encodeFunctionData } from 'viem'
import { gridletFeeToken, gridletReentrantToken } from '../../../protocols/contracts/artifacts/contracts.js'
import { settlementAbi, testTokenAbi } from '../../../src/chain/contracts.js'
import { type Attack, hostileMarket } from './helpers.js'

export const REGISTRY_AND_ESCROW_ATTACKS: readonly Attack[] = [
  {
    name: 'a household removes another from the registry',
    expected: 'AccessControlUnauthorizedAccount',
    run: (ctx) => ctx.write(ctx.submitter, 'remove', [ctx.dev.accounts[1]!.address]),
  },
  {
    name: 'a deposit that overflows the 95-bit balance',
    expected: 'BalanceOverflow',
    async run(ctx) {
      const who = ctx.dev.accounts[4]!
      const w = ctx.walletOf(who.privateKey)
      const huge = 1n << 95n
      await ctx.write(w, 'mint', [who.address, huge], ctx.dev.token, testTokenAbi)
      await ctx.write(w, 'approve', [ctx.dev.settlement, huge], ctx.dev.token, testTokenAbi)
      return ctx.write(w, 'deposit', [huge])
    },
  },
  {
    name: 'a fee-on-transfer token credits more than it paid',
    expected: 'credited the amount received',
    async run(ctx) {
      const { settlement, token } = await hostileMarket(ctx, gridletFeeToken)
      const who = ctx.dev.accounts[0]!
      const w = ctx.walletOf(who.privateKey)
      await ctx.write(w, 'mint', [who.address, 1000n], token, gridletFeeToken.abi)
      await ctx.write(w, 'approve', [settlement, 1000n], token, gridletFeeToken.abi)
      const sent = await ctx.write(w, 'deposit', [1000n], settlement)
      if (sent.refused) return sent
      const credited = await ctx.pub.readContract({
        address: settlement,
        abi: settlementAbi,
        functionName: 'balanceOf',
        args: [who.address],
      })
      return credited === 990n
        ? { refused: true, error: 'credited the amount received' }
        : { refused: false, error: `credited ${credited} for 990 received` }
    },
  },
  {
    name: 'a reentrant token deposits twice inside one transfer',
    expected: 'ReentrancyGuardReentrantCall',
    async run(ctx) {
      const { settlement, token } = await hostileMarket(ctx, gridletReentrantToken)
      const who = ctx.dev.accounts[0]!
      const w = ctx.walletOf(who.privateKey)
      await ctx.write(w, 'mint', [who.address, 2000n], token, gridletReentrantToken.abi)
      await ctx.write(w, 'approve', [settlement, 2000n], token, gridletReentrantToken.abi)
      const reenter = encodeFunctionData({ abi: settlementAbi, functionName: 'depositFor', args: [who.address, 1n] })
      await ctx.write(w, 'arm', [settlement, reenter], token, gridletReentrantToken.abi)
      return ctx.write(w, 'deposit', [1000n], settlement)
    },
  },
  {
    name: 'withdraw-before-settle: a buyer requests all its escrow and withdraws before its trade settles',
    expected: 'WithdrawalNotReady',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const buyer = ctx.dev.accounts.find(
        (a) => a.address === book.orders.find((o) => o.order.side === 0)!.order.account,
      )!
      const w = ctx.walletOf(buyer.privateKey)
      const balance = await ctx.pub.readContract({
        address: ctx.dev.settlement,
        abi: settlementAbi,
        functionName: 'balanceOf',
        args: [buyer.address],
      })
      await ctx.write(w, 'requestWithdrawal', [balance])
      const pulled = await ctx.write(w, 'withdraw', [])
      // The reserved escrow still pays the interval cleared before the request.
      const settled = await ctx.attempt(await ctx.encode(interval, book))
      await ctx.write(w, 'requestWithdrawal', [0n])
      if (settled.refused) return { refused: false, error: `the interval was held hostage: ${settled.error}` }
      return pulled
    },
  },
]
