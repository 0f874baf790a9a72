/**
 * The settlement attack catalogue: each attack is what a household, the operator or a token could try against
 * `GridletSettlement` on a real chain, with the custom error that must refuse it. One implementation, run by
 * test/chain/attacks.test.ts and by `npm run audit:settlement` (bench/audit.ts).
 *
 * Attacks on trades and orders are sent with a quorum's attestations of the tampered batch, i.e. as if a quorum of
 * households colluded: the per-order checks hold even then. Attacks that move the chain's time run last.
 */
import { type Address, encodeFunctionData, type Hex, keccak256, toHex } from 'viem'
import { gridletFeeToken, gridletReentrantToken } from '../../protocols/contracts/artifacts/contracts.js'
import { settlementAbi, testTokenAbi } from '../../src/chain/contracts.js'
import { deployMarket } from '../../src/chain/deployMarket.js'
import { devKeys } from '../../src/chain/devAccounts.js'
import { encodeSettlement } from '../../src/chain/encodeSettlement.js'
import { readHouseholds } from '../../src/chain/readHouseholds.js'
import { signAttestations } from '../../src/chain/signAttestations.js'
import type { AuditContext, Outcome } from './auditContext.js'
import { buildBook, marketDomain, signTestOrder } from './orders.js'

export interface Attack {
  readonly name: string
  /** The custom error (or reason) that must refuse it. */
  readonly expected: string
  run(ctx: AuditContext): Promise<Outcome>
}

const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** Replaces byte range [from, from + bytes) of a hex blob. */
function patch(blob: Hex, from: number, bytesHex: string): Hex {
  return `0x${blob.slice(2, 2 + from * 2)}${bytesHex}${blob.slice(2 + from * 2 + bytesHex.length)}` as Hex
}

/** Record `i` (of `size` bytes) of a packed blob, as hex without 0x. */
const record = (blob: Hex, size: number, i: number) => blob.slice(2 + i * size * 2, 2 + (i + 1) * size * 2)

/** A valid, attested batch for a fresh interval, tampered by `change` before the quorum signs it. */
async function tampered(
  ctx: AuditContext,
  trades: number,
  change: (b: Awaited<ReturnType<AuditContext['book']>>) => void,
) {
  const interval = await ctx.interval()
  const book = await ctx.book(interval, trades)
  change(book)
  return { interval, book, batch: await ctx.encode(interval, book) }
}

const registry = (ctx: AuditContext, fn: 'remove' | 'register', args: readonly unknown[]) =>
  ctx.write(ctx.operator, fn, args)

export const ATTACKS: readonly Attack[] = [
  // ---- attested settlement: the batch must be the result a quorum of registered households signed
  {
    name: 'deviant matching by a household (its own prices, honest attestations)',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 2)
      const honest = ctx.agree(interval, book)
      // The seller prices its trade at the buyer's limit instead of the clearing price.
      const t = book.trades[1]!
      const buy = book.orders.find((o) => o.id === t.buyId)!
      if (buy.order.limitPrice === t.price) throw new Error('the buyer limit must differ from the clearing price')
      book.trades[1] = { ...t, price: buy.order.limitPrice, amount: (t.quantityWh * buy.order.limitPrice) / 1000n }
      return ctx.attempt(await ctx.encode(interval, book, honest))
    },
  },
  {
    name: 'deviant matching signed by the deviant household alone',
    expected: 'NoQuorum',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const self = ctx.agree(interval, book, [ctx.dev.accounts[0]!])
      return ctx.attempt(await ctx.encode(interval, book, self))
    },
  },
  {
    name: 'a subset of the agreed trades (a seller settles only its own)',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 3)
      const agreed = ctx.agree(interval, book)
      const subset = { orders: book.orders, trades: book.trades.slice(0, 1) }
      return ctx.attempt(await ctx.encode(interval, subset, agreed))
    },
  },
  {
    name: 'a batch without quorum (one attestation short)',
    expected: 'NoQuorum',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const short = ctx.agree(interval, book, ctx.dev.accounts.slice(0, (await ctx.quorum()) - 1))
      return ctx.attempt(await ctx.encode(interval, book, short))
    },
  },
  {
    name: 'a forged attestation (an outsider signs under a household index)',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const a = ctx.agree(interval, book)
      const outsider = devKeys(40)[39]!
      const [forged] = signAttestations([outsider], ctx.domain(), {
        market: ctx.dev.market,
        interval,
        setHash: a.attestations[0]!.setHash,
        root: (await ctx.encode(interval, book, a)).root,
      })
      const attestations = a.attestations.map((x, i) => (i === 1 ? { ...x, signature: forged!.signature } : x))
      return ctx.attempt(await ctx.encode(interval, book, { ...a, attestations }))
    },
  },
  {
    name: 'a duplicated attestation (one household counted twice)',
    expected: 'AttestationNotSorted',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const batch = await ctx.encode(interval, book, ctx.agree(interval, book, ctx.dev.accounts.slice(0, 4)))
      const first = record(batch.attestations, 101, 0)
      return ctx.attempt({ ...batch, attestations: `0x${first}${batch.attestations.slice(2)}` })
    },
  },
  {
    name: 'attestations out of household order',
    expected: 'AttestationNotSorted',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const batch = await ctx.encode(interval, book)
      const [a0, a1] = [record(batch.attestations, 101, 0), record(batch.attestations, 101, 1)]
      return ctx.attempt({ ...batch, attestations: `0x${a1}${a0}${batch.attestations.slice(2 + 2 * 202)}` })
    },
  },
  {
    name: 'a malleated attestation (high s)',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const batch = await ctx.encode(interval, book)
      // index (4) | setHash (32) | r (32) | s (32) | v (1)
      const a = record(batch.attestations, 101, 0)
      const s = BigInt(`0x${a.slice(136, 200)}`)
      const v = Number.parseInt(a.slice(200), 16)
      const twin = `${a.slice(0, 136)}${(SECP_N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`
      return ctx.attempt({ ...batch, attestations: patch(batch.attestations, 0, twin) })
    },
  },
  {
    name: 'attestations of another interval replayed',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const other = ctx.agree(interval - 1n, book)
      return ctx.attempt(await ctx.encode(interval, book, other))
    },
  },
  {
    name: 'an attestation from a household removed before the interval',
    expected: 'AttesterNotRegistered',
    async run(ctx) {
      const gone = ctx.dev.accounts[6]!
      await registry(ctx, 'remove', [gone.address])
      try {
        await ctx.pastRegistry() // an interval from the removal's registry boundary on
        const interval = await ctx.interval()
        const book = await ctx.book(interval, 1)
        // The quorum of 7 is 4: three registered households and the removed one.
        const signers = [...ctx.dev.accounts.slice(0, (await ctx.quorum(interval)) - 1), gone]
        return await ctx.attempt(await ctx.encode(interval, book, ctx.agree(interval, book, signers)))
      } finally {
        await registry(ctx, 'register', [gone.address, gone.meterId])
        await ctx.pastRegistry()
      }
    },
  },
  {
    name: 'a quorum counting a household registered only after the interval',
    expected: 'AttesterNotRegistered',
    async run(ctx) {
      const late = devKeys(12)[11]!
      await registry(ctx, 'register', [late.address, keccak256(toHex('late-meter'))])
      try {
        // Registered now, from its boundary on: not for an interval cleared before it (quorum 5 of 8).
        const interval = await ctx.interval()
        const signers = [...ctx.dev.accounts.slice(0, (await ctx.quorum(interval)) - 1), late]
        const book = await ctx.book(interval, 1)
        return await ctx.attempt(await ctx.encode(interval, book, ctx.agree(interval, book, signers)))
      } finally {
        await registry(ctx, 'remove', [late.address])
      }
    },
  },
  {
    name: 'a quorum of the registry as it was before households joined',
    expected: 'NoQuorum',
    async run(ctx) {
      // 10 registered for the intervals after the two newcomers' boundary: the quorum is 6, not the 5 of 8.
      const extras = devKeys(14).slice(12)
      for (const [i, x] of extras.entries()) {
        await registry(ctx, 'register', [x.address, keccak256(toHex(`extra-meter-${i}`))])
      }
      try {
        await ctx.pastRegistry()
        const interval = await ctx.interval()
        const book = await ctx.book(interval, 1)
        return await ctx.attempt(
          await ctx.encode(interval, book, ctx.agree(interval, book, ctx.dev.accounts.slice(0, 5))),
        )
      } finally {
        for (const x of extras) await registry(ctx, 'remove', [x.address])
        await ctx.pastRegistry()
      }
    },
  },
  {
    name: 'settling an interval that has not started (settle in advance)',
    expected: 'TooEarly',
    async run(ctx) {
      const interval = (await ctx.currentInterval()) + 4n
      const book = await ctx.book(interval, 1)
      return ctx.attempt(await ctx.encode(interval, book))
    },
  },
  {
    name: 'settling a far-future interval to lock it (interval 5,000,000)',
    expected: 'TooEarly',
    async run(ctx) {
      const book = await ctx.book(5_000_000n, 1, { expiry: 10n ** 12n })
      return ctx.attempt(await ctx.encode(5_000_000n, book))
    },
  },
  {
    name: 'settling an interval after its settlement window',
    expected: 'SettlementWindowClosed',
    async run(ctx) {
      const interval = (await ctx.currentInterval()) - 800n
      const book = await ctx.book(interval, 1)
      return ctx.attempt(await ctx.encode(interval, book))
    },
  },
  // ---- trades and orders (as today, now behind a colluding quorum's attestations)
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
  // ---- registry and escrow
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
  // ---- attacks that move the chain's time (last)
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

/** A settlement contract over a hostile token, with household 0 registered. */
async function hostileMarket(ctx: AuditContext, artifact: { abi: readonly unknown[]; bytecode: Hex }) {
  const hash = await ctx.operator.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode } as never)
  const token = (await ctx.pub.waitForTransactionReceipt({ hash })).contractAddress as Address
  const { settlement } = await deployMarket(ctx.operator, { market: ctx.dev.market, token })
  const h = ctx.dev.accounts[0]!
  await ctx.write(ctx.operator, 'register', [h.address, h.meterId], settlement)
  return { settlement, token }
}
