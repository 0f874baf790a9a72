/**
 * Fee markets: a quorum cannot charge a buyer more than the market's maximum fee or its own signed limit, settle
 * around the fees, or send them elsewhere; only the fee recipient withdraws them.
 */
import { type Address, getAddress } from 'viem'
import type { AuditContext } from '../auditContext.js'
import { FEE_PER_WH, feeMarketOf, MAX_FEE_PER_WH } from '../feeMarket.js'
import { agreementFor, type Book, type BookOptions, marketDomain } from '../orders.js'
import { type Attack, patch } from './helpers.js'

/**
 * A fee batch for a fresh interval of the context's fee market, the book changed by `change` before the quorum
 * signs it (with `feeRecipient`: null for a v1 root, another address to redirect the fees).
 */
async function feeBatch(
  ctx: AuditContext,
  opts: { extra?: Partial<BookOptions>; change?: (b: Book) => void; feeRecipient?: Address | null } = {},
) {
  const m = await feeMarketOf(ctx)
  const interval = await ctx.interval()
  const book = await m.book(interval, 3, opts.extra)
  opts.change?.(book)
  return { m, batch: await m.encode(interval, book, opts.feeRecipient) }
}

export const FEE_ATTACKS: readonly Attack[] = [
  {
    name: 'a fee per Wh above the market maximum',
    expected: 'FeeAboveMax',
    async run(ctx) {
      const { m, batch } = await feeBatch(ctx, {
        extra: { feePerWh: [FEE_PER_WH[0], FEE_PER_WH[1], MAX_FEE_PER_WH + 1n] },
      })
      return m.attempt(batch)
    },
  },
  {
    name: 'a fee that pushes the buyer above its limit',
    expected: 'FeeAboveBuyerLimit',
    async run(ctx) {
      // Trade 2 is upstream (level 2): at the maximum fee instead of FEE_PER_WH[2], price + fee exceeds the limit.
      const change = (b: Book) => {
        const t = b.trades[2]!
        b.trades[2] = { ...t, fee: t.quantityWh * MAX_FEE_PER_WH }
      }
      const { m, batch } = await feeBatch(ctx, { change })
      return m.attempt(batch)
    },
  },
  {
    name: 'a fee level above 2',
    expected: 'InvalidFeeLevel',
    async run(ctx) {
      const { m, batch } = await feeBatch(ctx)
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
      const { m, batch } = await feeBatch(ctx, { extra: { feePerWh: undefined }, feeRecipient: null })
      return m.attempt(batch)
    },
  },
  {
    name: 'fees redirected: the quorum signs a root with another fee recipient',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const { m, batch } = await feeBatch(ctx, { feeRecipient: ctx.dev.accounts[0]!.address })
      return m.attempt(batch)
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
