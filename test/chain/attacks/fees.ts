/**
 * Fee markets: a quorum cannot charge a buyer more than the market's maximum fee or its own signed limit, settle
 * around the fees, or send them elsewhere; only the fee recipient withdraws them.
 */
import { getAddress } from 'viem'
import { FEE_PER_WH, feeMarketOf, MAX_FEE_PER_WH } from '../feeMarket.js'
import { agreementFor, marketDomain } from '../orders.js'
import { type Attack, patch } from './helpers.js'

export const FEE_ATTACKS: readonly Attack[] = [
  {
    name: 'a fee per Wh above the market maximum',
    expected: 'FeeAboveMax',
    async run(ctx) {
      const m = await feeMarketOf(ctx)
      const interval = await ctx.interval()
      const book = await m.book(interval, 3, { feePerWh: [FEE_PER_WH[0], FEE_PER_WH[1], MAX_FEE_PER_WH + 1n] })
      return m.attempt(await m.encode(interval, book))
    },
  },
  {
    name: 'a fee that pushes the buyer above its limit',
    expected: 'FeeAboveBuyerLimit',
    async run(ctx) {
      const m = await feeMarketOf(ctx)
      const interval = await ctx.interval()
      const book = await m.book(interval, 3)
      // Trade 2 is upstream (level 2): at the maximum fee instead of FEE_PER_WH[2], price + fee exceeds the limit.
      const t = book.trades[2]!
      book.trades[2] = { ...t, fee: t.quantityWh * MAX_FEE_PER_WH }
      return m.attempt(await m.encode(interval, book))
    },
  },
  {
    name: 'a fee level above 2',
    expected: 'InvalidFeeLevel',
    async run(ctx) {
      const m = await feeMarketOf(ctx)
      const interval = await ctx.interval()
      const batch = await m.encode(interval, await m.book(interval, 2))
      return m.attempt({ ...batch, trades: patch(batch.trades, 20, '03') })
    },
  },
  {
    name: 'a fee batch on a plain market',
    expected: 'NotAFeeMarket',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 3, { feePerWh: FEE_PER_WH })
      const signers = ctx.dev.accounts.slice(0, Math.floor(ctx.dev.accounts.length / 2) + 1)
      const feeRecipient = getAddress(ctx.dev.operator.address)
      const domain = marketDomain(ctx.dev.chainId, ctx.dev.settlement)
      const agreement = agreementFor(book, { domain, market: ctx.dev.market, interval, signers, feeRecipient })
      return ctx.attempt(await ctx.encode(interval, book, agreement))
    },
  },
  {
    name: 'a fee-less (v1) batch on a fee market',
    expected: 'FeesRequired',
    async run(ctx) {
      const m = await feeMarketOf(ctx)
      const interval = await ctx.interval()
      const book = await m.book(interval, 3, { feePerWh: undefined })
      return m.attempt(await m.encode(interval, book, null))
    },
  },
  {
    name: 'fees redirected: the quorum signs a root with another fee recipient',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const m = await feeMarketOf(ctx)
      const interval = await ctx.interval()
      return m.attempt(await m.encode(interval, await m.book(interval, 3), ctx.dev.accounts[0]!.address))
    },
  },
  {
    name: 'withdrawFees by a household that is not the fee recipient',
    expected: 'NotFeeRecipient',
    async run(ctx) {
      const m = await feeMarketOf(ctx)
      return ctx.write(ctx.submitter, 'withdrawFees', [], m.settlement)
    },
  },
]
