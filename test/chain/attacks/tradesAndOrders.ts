/** Trades and orders, behind a colluding quorum's attestations: the per-order checks hold even then. */
import { type Hex, keccak256, toHex } from 'viem'
import { settlementAbi } from '../../../src/chain/contracts.js'
import { deployMarket } from '../../../src/chain/deployMarket.js'
import { devKeys } from '../../../src/chain/devAccounts.js'
import { encodeSettlement } from '../../../src/chain/encodeSettlement.js'
import { readHouseholds } from '../../../src/chain/readHouseholds.js'
import { buildBook, marketDomain, signTestOrder } from '../orders.js'
import { type Attack, patch, record, registry, SECP_N, tampered } from './helpers.js'

export const TRADE_AND_ORDER_ATTACKS: readonly Attack[] = [
  {
    name: 'a trade above the buyer limit',
    expected: 'PriceAboveBuyerLimit',
    run: async (ctx) =>
      ctx.attempt(
        (
          await tampered(ctx, 2, (b) => {
            const buy = b.orders.find((o) => o.id === b.trades[1]!.buyId)!
            b.trades[1] = { ...b.trades[1]!, price: buy.order.limitPrice + 1n }
          })
        ).batch,
      ),
  },
  {
    name: 'a trade below the seller limit',
    expected: 'PriceBelowSellerLimit',
    run: async (ctx) =>
      ctx.attempt(
        (
          await tampered(ctx, 2, (b) => {
            const sell = b.orders.find((o) => o.id === b.trades[0]!.sellId)!
            b.trades[0] = { ...b.trades[0]!, price: sell.order.limitPrice - 1n }
          })
        ).batch,
      ),
  },
  {
    name: 'a forged order signature',
    expected: 'InvalidSignature',
    async run(ctx) {
      const { batch } = await tampered(ctx, 1, () => {})
      return ctx.attempt({ ...batch, signatures: patch(batch.signatures, 0, '00'.repeat(32)) })
    },
  },
  {
    name: 'a malleated order signature (high s)',
    expected: 'InvalidSignature',
    async run(ctx) {
      const { batch } = await tampered(ctx, 1, () => {})
      const sig = record(batch.signatures, 65, 0)
      const s = BigInt(`0x${sig.slice(64, 128)}`)
      const v = Number.parseInt(sig.slice(128), 16)
      const twin = `${sig.slice(0, 64)}${(SECP_N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`
      return ctx.attempt({ ...batch, signatures: patch(batch.signatures, 0, twin) })
    },
  },
  {
    name: 'the same signed order twice in one batch',
    expected: 'DuplicateOrder',
    async run(ctx) {
      const { batch } = await tampered(ctx, 1, () => {})
      // Order 0 again at index 1; the trade's reference to the old index 1 moves to 2.
      const trades = batch.trades.replace(/^0x(0000)0001|^0x0001(0000)/, (_m, a) => (a ? '0x00000002' : '0x00020000'))
      const o0 = record(batch.orders, 45, 0)
      const s0 = record(batch.signatures, 65, 0)
      return ctx.attempt({
        ...batch,
        trades: trades as Hex,
        orders: `0x${o0}${batch.orders.slice(2)}`,
        signatures: `0x${s0}${batch.signatures.slice(2)}`,
      })
    },
  },
  {
    name: 'an order signed for an earlier interval',
    expected: 'InvalidSignature',
    async run(ctx) {
      const interval = await ctx.interval()
      const old = await ctx.book(interval - 50n, 1)
      const batch = await ctx.encode(interval - 50n, old)
      return ctx.attempt({ ...batch, interval })
    },
  },
  {
    name: 'an order for another market',
    expected: 'InvalidSignature',
    async run(ctx) {
      const interval = await ctx.interval()
      const b = await ctx.book(interval, 1, { market: keccak256(toHex('another-street')) })
      return ctx.attempt(await ctx.encode(interval, b))
    },
  },
  {
    name: 'an order for another chain',
    expected: 'InvalidSignature',
    async run(ctx) {
      const interval = await ctx.interval()
      const b = await ctx.book(interval, 1, { domain: marketDomain(1, ctx.dev.settlement) })
      return ctx.attempt(await ctx.encode(interval, b))
    },
  },
  {
    name: 'a batch replayed into another deployment (same households)',
    expected: 'InvalidSignature',
    async run(ctx) {
      const { settlement } = await deployMarket(ctx.operator, { market: ctx.dev.market, token: ctx.dev.token })
      for (const h of ctx.dev.accounts) await ctx.write(ctx.operator, 'register', [h.address, h.meterId], settlement)
      await ctx.pastRegistry(settlement) // an interval both registries include
      const { batch } = await tampered(ctx, 1, () => {})
      return ctx.attempt(batch, ctx.submitter, settlement)
    },
  },
  {
    name: 'an order of a removed household, from its registry boundary on',
    expected: 'UnregisteredAccount',
    async run(ctx) {
      const gone = ctx.dev.accounts[7]!
      await registry(ctx, 'remove', [gone.address])
      try {
        // Intervals before the boundary stay payable (they were cleared with the household); from it on, not.
        const boundary = await ctx.pub.readContract({
          address: ctx.dev.settlement,
          abi: settlementAbi,
          functionName: 'activeUntil',
          args: [gone.address],
        })
        const length = BigInt(
          await ctx.pub.readContract({
            address: ctx.dev.settlement,
            abi: settlementAbi,
            functionName: 'intervalLength',
          }),
        )
        if ((await ctx.blockTime()) < boundary * length) await ctx.setTime(boundary * length + 1n)
        const book = await ctx.book(boundary, 1, { keys: ctx.dev.accounts.slice(6) })
        return await ctx.attempt(await ctx.encode(boundary, book))
      } finally {
        await registry(ctx, 'register', [gone.address, gone.meterId])
        await ctx.pastRegistry()
      }
    },
  },
  {
    name: 'an order of an account that never registered',
    expected: 'UnregisteredAccount',
    async run(ctx) {
      const interval = await ctx.interval()
      const outsider = devKeys(40)[39]!
      const keys = [outsider, ctx.dev.accounts[1]!]
      const b = await buildBook({ domain: ctx.domain(), market: ctx.dev.market, interval, trades: 1, keys })
      const a = ctx.agree(interval, b)
      const accounts = [ctx.dev.accounts[1]!.address, ...a.attestations.map((x) => x.account)]
      const households = await readHouseholds(ctx.pub, { settlement: ctx.dev.settlement, accounts })
      households.set(outsider.address, 4_000) // an index nobody holds
      return ctx.attempt(encodeSettlement(interval, b.orders, b.trades, households, a))
    },
  },
  {
    name: 'a trade naming an order outside the batch',
    expected: 'OrderIndexOutOfRange',
    async run(ctx) {
      const { batch } = await tampered(ctx, 1, () => {})
      return ctx.attempt({ ...batch, trades: patch(batch.trades, 0, 'ffff') })
    },
  },
  {
    name: 'a trade of zero Wh',
    expected: 'ZeroQuantity',
    async run(ctx) {
      const { batch } = await tampered(ctx, 1, () => {})
      return ctx.attempt({ ...batch, trades: patch(batch.trades, 4, '00000000') })
    },
  },
  {
    name: 'unsorted orders',
    expected: 'OrdersNotSorted',
    async run(ctx) {
      const { batch } = await tampered(ctx, 1, () => {})
      const t = batch.trades
      return ctx.attempt({
        ...batch,
        orders: `0x${record(batch.orders, 45, 1)}${record(batch.orders, 45, 0)}`,
        signatures: `0x${record(batch.signatures, 65, 1)}${record(batch.signatures, 65, 0)}`,
        trades: `0x${t.slice(6, 10)}${t.slice(2, 6)}${t.slice(10)}` as Hex,
      })
    },
  },
  {
    name: 'a batch that is not budget-balanced',
    expected: 'NotBudgetBalanced',
    async run(ctx) {
      const { batch } = await tampered(ctx, 2, () => {})
      return ctx.attempt({ ...batch, totalAmount: batch.totalAmount + 1n })
    },
  },
  {
    name: 'a buyer without enough escrow',
    expected: 'InsufficientBalance',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1, { price: 10n ** 12n, quantityWh: 10_000n })
      return ctx.attempt(await ctx.encode(interval, book))
    },
  },
  {
    name: 'more energy than an order allows',
    expected: 'Overfilled',
    run: async (ctx) =>
      ctx.attempt(
        (
          await tampered(ctx, 2, (b) => {
            const t = b.trades[1]!
            b.trades[1] = { ...t, quantityWh: t.quantityWh + 1n, amount: ((t.quantityWh + 1n) * t.price) / 1000n }
          })
        ).batch,
      ),
  },
  {
    name: 'an expired order',
    expected: 'OrderExpired',
    async run(ctx) {
      const interval = await ctx.interval()
      return ctx.attempt(await ctx.encode(interval, await ctx.book(interval, 1, { expiry: 1n })))
    },
  },
  {
    name: 'a sell order on the buy side of a trade',
    expected: 'NotABuyOrder',
    run: async (ctx) =>
      ctx.attempt(
        (
          await tampered(ctx, 1, (b) => {
            b.trades[0] = { ...b.trades[0]!, buyId: b.trades[0]!.sellId, sellId: b.trades[0]!.buyId }
          })
        ).batch,
      ),
  },
  {
    name: 'a buy order on the sell side of a trade',
    expected: 'NotASellOrder',
    async run(ctx) {
      // Two buy orders: the trade names one as its seller.
      const interval = await ctx.interval()
      const [x, y] = [ctx.dev.accounts[2]!, ctx.dev.accounts[3]!]
      const order = (k: typeof x) =>
        signTestOrder(k.privateKey, ctx.domain(), {
          market: ctx.dev.market,
          interval,
          side: 0,
          quantityWh: 500n,
          limitPrice: 250_000n,
          account: k.address,
          nonce: 0n,
          expiry: 4_000_000_000n,
        })
      const [bx, by] = [await order(x), await order(y)]
      const trades = [{ buyId: bx.id, sellId: by.id, quantityWh: 500n, price: 250_000n, amount: 125_000n }]
      return ctx.attempt(await ctx.encode(interval, { orders: [bx, by], trades }))
    },
  },
  {
    name: 'a buy limit price of 2^96 (above the trade price field)',
    expected: 'LimitPriceTooHigh',
    async run(ctx) {
      const { batch } = await tampered(ctx, 1, () => {})
      const buyIndex = batch.orders.slice(2, 4) === '00' ? 0 : 1
      // limitPrice occupies bytes 1..17 of the record: set it to 2^96 (the signature then fails too, but the
      // limit check comes first).
      const limit = (1n << 96n).toString(16).padStart(32, '0')
      return ctx.attempt({ ...batch, orders: patch(batch.orders, buyIndex * 45 + 1, limit) })
    },
  },
  {
    name: 'a submitter who is not a household',
    expected: 'UnauthorizedSubmitter',
    async run(ctx) {
      const { batch } = await tampered(ctx, 1, () => {})
      return ctx.attempt(batch, ctx.walletOf(devKeys(41)[40]!.privateKey))
    },
  },
  {
    name: 'settling an interval twice',
    expected: 'AlreadySettled',
    async run(ctx) {
      const { batch } = await tampered(ctx, 1, () => {})
      const first = await ctx.attempt(batch)
      if (first.refused) return { refused: false, error: `first settlement refused: ${first.error}` }
      return ctx.attempt(batch)
    },
  },
]
