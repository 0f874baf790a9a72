/**
 * The node's hand-off for a grid market against a real anvil: what the core's grid clearing computes (levels,
 * fees, the v2 root), stored and read back as a node stores results, handed to the batcher with its fee recipient
 * as outcomes.ts does, is settled by `settleWithFees`: the contract emits the core's root and the fees accrue.
 */
import { DatabaseSync } from 'node:sqlite'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Batcher, submitterOrder } from '../../src/chain/batcher.js'
import { settlementAbi } from '../../src/chain/contracts.js'
import { signAttestations } from '../../src/chain/signAttestations.js'
import { clear } from '../../src/core/market/clear.js'
import type { GridClearing } from '../../src/core/market/grid.js'
import { signOrder } from '../../src/core/order/signOrder.js'
import { Side } from '../../src/core/order/types.js'
import { manualClock } from '../../src/core/time/clock.js'
import { decodeResult, toJson } from '../../src/store/codec.js'
import { type AuditContext, startAuditContext } from './auditContext.js'
import { FEE_PER_WH, feeMarketOf } from './feeMarket.js'
import { marketDomain } from './orders.js'

let ctx: AuditContext
beforeAll(async () => {
  ctx = await startAuditContext()
})
afterAll(async () => ctx?.stop())

it('settles a grid clearing through the store and the batcher: the core root on chain, fees accrued', async () => {
  const m = await feeMarketOf(ctx)
  const { dev } = ctx
  const interval = await ctx.interval()
  const domain = marketDomain(dev.chainId, m.settlement)
  // Households 0-3 on feeder 0, 4-7 on feeder 1, both under one transformer; buyers 0, 1 and 4, sellers the rest.
  const buyers = new Set([0, 1, 4])
  const orders = dev.accounts.map((a, k) =>
    signOrder(a.privateKey, domain, {
      market: dev.market,
      interval,
      side: buyers.has(k) ? Side.Buy : Side.Sell,
      quantityWh: buyers.has(k) ? 900n : 500n,
      limitPrice: buyers.has(k) ? 320_000n - BigInt(k) * 1_000n : 120_000n + BigInt(k) * 5_000n,
      account: a.address,
      nonce: 0n,
      expiry: 4_000_000_000n,
    }),
  )
  const feeder = new Map(dev.accounts.map((a, k) => [a.address.toLowerCase(), k < 4 ? 0 : 1]))
  const grid: GridClearing = {
    feederOf: (a) => feeder.get(a.toLowerCase()),
    transformerOf: [0, 0],
    feePerWh: FEE_PER_WH,
    feeRecipient: m.recipient.address,
  }
  const params = { rule: 'k-da', interval, retailPrice: 400_000n, feedInPrice: 80_000n } as const
  const cleared = clear(orders, params, [], grid)
  expect(cleared.trades.length).toBeGreaterThan(1)
  expect(new Set(cleared.trades.map((t) => t.level)).size).toBeGreaterThan(1)
  // The node stores the result and hands off what it reads back.
  const stored = decodeResult(toJson(cleared))
  expect(stored).toEqual({ ...cleared, trades: cleared.trades })
  const signers = dev.accounts.slice(0, await ctx.quorum(interval))
  const setHash = `0x${'42'.repeat(32)}` as const
  const attestations = signAttestations(signers, domain, { market: dev.market, interval, setHash, root: stored.root })
  const { rule, clearingPrice, feeRecipient } = stored
  const agreement = { rule, clearingPrice, attestations, ...(feeRecipient && { feeRecipient }) }

  const participants = stored.trades.flatMap((t) => [t.buyer, t.seller])
  const primary = dev.accounts.find((a) => a.address === submitterOrder(interval, participants)[0])!
  const batcher = new Batcher({
    db: new DatabaseSync(':memory:'),
    client: ctx.walletOf(primary.privateKey),
    settlement: m.settlement,
    clock: manualClock(1_000_000),
    finalityBlocks: 1n,
  })
  const read = (functionName: 'feesAccrued') =>
    ctx.pub.readContract({ address: m.settlement, abi: settlementAbi, functionName })
  const feesBefore = await read('feesAccrued')
  batcher.enqueue({ interval, trades: stored.trades, agreement, root: stored.root }, orders)
  const [sent] = await batcher.tick()
  expect(sent?.state).toBe('sent')
  await ctx.pub.waitForTransactionReceipt({ hash: sent!.txHash! })
  const [confirmed] = await batcher.tick()
  expect(confirmed).toMatchObject({ state: 'confirmed', byUs: true, root: cleared.root })
  const fees = cleared.trades.reduce((s, t) => s + t.fee!, 0n)
  expect(fees).toBeGreaterThan(0n)
  expect((await read('feesAccrued')) - feesBefore).toBe(fees)
})
