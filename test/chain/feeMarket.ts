/**
 * A fee market beside the audit context's plain one, on the same anvil and token: the same 8 households registered
 * and funded, network fees by level paid to a recipient that is no household. Shared by test/chain/fees.test.ts
 * and the fee attacks (test/chain/attacks/fees.ts).
 */
import type { Address } from 'viem'
import { testTokenAbi } from '../../src/chain/contracts.js'
import { deployMarket, type MarketFees } from '../../src/chain/deployMarket.js'
import { devKeys } from '../../src/chain/devAccounts.js'
import { encodeSettlement, type SettlementBatch } from '../../src/chain/encodeSettlement.js'
import { readHouseholds } from '../../src/chain/readHouseholds.js'
import type { AuditContext, Outcome } from './auditContext.js'
import { agreementFor, type Book, type BookOptions, buildBook, marketDomain } from './orders.js'

/** Fee per Wh by level (same feeder, same transformer, upstream), within the market's maximum. */
export const FEE_PER_WH = [2n, 5n, 9n] as const
export const MAX_FEE_PER_WH = 10n
const DEPOSIT = 1_000_000_000n

export interface FeeMarket {
  readonly settlement: Address
  readonly fees: MarketFees
  /** The fee recipient's key (a dev account that is no household). */
  readonly recipient: { address: Address; privateKey: `0x${string}` }
  /** A book of `trades` fee trades (levels 0, 1, 2 in turn) signed for this market. */
  book(interval: bigint, trades?: number, extra?: Partial<BookOptions>): Promise<Book>
  /**
   * The quorum's agreement encoded as a batch: on the v2 root with this market's recipient, or another one, or
   * (null) a fee-less v1 batch.
   */
  encode(interval: bigint, book: Book, feeRecipient?: Address | null): Promise<SettlementBatch>
  attempt(batch: SettlementBatch): Promise<Outcome>
}

const markets = new WeakMap<AuditContext, Promise<FeeMarket>>()

/** The context's fee market, deployed on first use. */
export function feeMarketOf(ctx: AuditContext): Promise<FeeMarket> {
  let m = markets.get(ctx)
  if (!m) {
    m = deployFeeMarket(ctx)
    markets.set(ctx, m)
  }
  return m
}

async function deployFeeMarket(ctx: AuditContext): Promise<FeeMarket> {
  const { dev } = ctx
  const recipient = devKeys(dev.accounts.length + 2).at(-1)!
  const fees = { recipient: recipient.address, maxFeePerWh: MAX_FEE_PER_WH }
  const { settlement } = await deployMarket(ctx.operator, { market: dev.market, token: dev.token, fees })
  const total = DEPOSIT * BigInt(dev.accounts.length)
  await ctx.write(ctx.operator, 'mint', [dev.operator.address, total], dev.token, testTokenAbi)
  await ctx.write(ctx.operator, 'approve', [settlement, total], dev.token, testTokenAbi)
  for (const h of dev.accounts) {
    await ctx.write(ctx.operator, 'register', [h.address, h.meterId], settlement)
    await ctx.write(ctx.operator, 'depositFor', [h.address, DEPOSIT], settlement)
  }
  await ctx.pastRegistry(settlement)
  const domain = marketDomain(dev.chainId, settlement)
  return {
    settlement,
    fees,
    recipient,
    book: (interval, trades = 3, extra = {}) =>
      buildBook({ domain, market: dev.market, interval, keys: dev.accounts, trades, feePerWh: FEE_PER_WH, ...extra }),
    async encode(interval, book, feeRecipient = recipient.address) {
      const signers = dev.accounts.slice(0, Math.floor(dev.accounts.length / 2) + 1)
      const agreement = agreementFor(book, {
        domain,
        market: dev.market,
        interval,
        signers,
        ...(feeRecipient && { feeRecipient }),
      })
      const accounts = [...book.orders.map((o) => o.order.account), ...agreement.attestations.map((x) => x.account)]
      const households = await readHouseholds(ctx.pub, { settlement, accounts })
      return encodeSettlement(interval, book.orders, book.trades, households, agreement)
    },
    attempt: (batch) => ctx.attempt(batch, ctx.submitter, settlement),
  }
}
