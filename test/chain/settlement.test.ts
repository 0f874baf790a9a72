/**
 * The settlement contract on a real anvil: the happy path (attested by a quorum, the emitted root is the core's
 * result root), the registry and the escrow. The attacks are in the catalogue (test/chain/attacks.test.ts).
 */
import { type Address, keccak256, parseEventLogs, toFunctionSelector, toHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { settlementAbi, testTokenAbi } from '../../src/chain/contracts.js'
import { deployMarket } from '../../src/chain/deployMarket.js'
import { devKeys } from '../../src/chain/devAccounts.js'
import { settleBatch } from '../../src/chain/settleBatch.js'
import { signAttestations } from '../../src/chain/signAttestations.js'
import { clear } from '../../src/core/market/clear.js'
import { type AuditContext, startAuditContext } from './auditContext.js'
import { signTestOrder } from './orders.js'

let ctx: AuditContext
beforeAll(async () => {
  ctx = await startAuditContext()
})
afterAll(async () => ctx?.stop())

const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  ctx.pub.readContract({ address: ctx.dev.settlement, abi: settlementAbi, functionName, args } as never) as Promise<T>
const balanceOf = (account: Address) => read<bigint>('balanceOf', [account])
const ok = { refused: false, error: '' }

describe('settle', () => {
  it('pays every trade exactly once, emits the result root and marks the interval settled', async () => {
    const interval = await ctx.interval()
    const b = await ctx.book(interval, 4)
    const batch = await ctx.encode(interval, b)
    expect(batch.attesters).toHaveLength(await ctx.quorum())
    const dev = ctx.dev
    const before = await Promise.all(dev.accounts.map((a) => balanceOf(a.address)))
    const hash = await settleBatch(ctx.submitter, { settlement: dev.settlement, batch })
    const receipt = await ctx.pub.waitForTransactionReceipt({ hash })
    expect(receipt.status).toBe('success')
    const [settled] = parseEventLogs({ abi: settlementAbi, logs: receipt.logs, eventName: 'Settled' })
    expect(settled?.args).toMatchObject({ interval, root: batch.root, trades: 4n, totalAmount: batch.totalAmount })
    const after = await Promise.all(dev.accounts.map((a) => balanceOf(a.address)))
    const expected = new Map<string, bigint>()
    for (const t of b.trades) {
      const buyer = b.orders.find((o) => o.id === t.buyId)!.order.account
      const seller = b.orders.find((o) => o.id === t.sellId)!.order.account
      expected.set(buyer, (expected.get(buyer) ?? 0n) - t.amount)
      expected.set(seller, (expected.get(seller) ?? 0n) + t.amount)
    }
    for (const [i, a] of dev.accounts.entries()) expect(after[i]! - before[i]!).toBe(expected.get(a.address) ?? 0n)
    expect(after.reduce((x, y) => x + y)).toBe(before.reduce((x, y) => x + y))
    expect(await read('isSettled', [interval])).toBe(true)
  })

  it('emits the root of the core clearing the same orders: what nodes sign in their result announcements', async () => {
    const interval = await ctx.interval()
    const b = await ctx.book(interval, 5)
    const result = clear(b.orders, { rule: 'k-da', interval, retailPrice: 400_000n, feedInPrice: 80_000n })
    expect(result.trades.length).toBeGreaterThan(0)
    const agreement = ctx.agree(interval, { orders: b.orders, trades: [...result.trades] })
    const batch = await ctx.encode(
      interval,
      { orders: b.orders, trades: [...result.trades] },
      { ...agreement, rule: result.rule, clearingPrice: result.clearingPrice },
    )
    expect(batch.root).toBe(result.root)
  })

  it('counts households that signed the same root over different message sets (setHash per attestation)', async () => {
    const interval = await ctx.interval()
    const b = await ctx.book(interval, 2)
    const agreed = ctx.agree(interval, b)
    const root = (await ctx.encode(interval, b, agreed)).root
    const [first, ...rest] = ctx.dev.accounts.slice(0, await ctx.quorum())
    const other = keccak256(toHex('a set with one more unmatched order'))
    const attestations = [
      ...signAttestations([first!], ctx.domain(), { market: ctx.dev.market, interval, setHash: other, root }),
      ...agreed.attestations.filter((a) => rest.some((r) => r.address === a.account)),
    ]
    expect(await ctx.attempt(await ctx.encode(interval, b, { ...agreed, attestations }))).toEqual(ok)
  })

  it('accepts orders signed by viem signTypedData too: the contract hashes exactly the core EIP-712 type', async () => {
    const interval = await ctx.interval()
    const b = await ctx.book(interval, 1)
    const keyOf = new Map(ctx.dev.accounts.map((a) => [a.address, a.privateKey]))
    const viemSigned = await Promise.all(
      b.orders.map((o) => signTestOrder(keyOf.get(o.order.account)!, ctx.domain(), o.order)),
    )
    expect(viemSigned.map((o) => o.id)).toEqual(b.orders.map((o) => o.id))
    expect(await ctx.attempt(await ctx.encode(interval, { orders: viemSigned, trades: b.trades }))).toEqual(ok)
  })

  it('pays a buy covered only by the same household selling in the interval, whatever the order of their ids', async () => {
    for (const buyFirst of [true, false]) {
      const interval = await ctx.interval()
      const [x, y, z] = [ctx.dev.accounts[5]!, ctx.dev.accounts[6]!, ctx.dev.accounts[7]!]
      const [bx, bz] = [await balanceOf(x.address), await balanceOf(z.address)]
      // x sells 1 kWh to z for bz / 2 and buys 1 kWh from y for bx + bz / 4: covered only net of its sale.
      const [sale, purchase] = [bz / 2n, bx + bz / 4n]
      const order = (account: typeof x, side: 0 | 1, limitPrice: bigint, nonce: bigint) =>
        signTestOrder(account.privateKey, ctx.domain(), {
          market: ctx.dev.market,
          interval,
          side,
          quantityWh: 1000n,
          limitPrice,
          account: account.address,
          nonce,
          expiry: 4_000_000_000n,
        })
      const [xSell, zBuy, ySell] = [
        await order(x, 1, sale, 0n),
        await order(z, 0, sale, 0n),
        await order(y, 1, purchase, 0n),
      ]
      let xBuy = await order(x, 0, purchase, 1n)
      for (let nonce = 2n; xBuy.id < xSell.id !== buyFirst; nonce++) xBuy = await order(x, 0, purchase, nonce)
      const trades = [
        { buyId: zBuy.id, sellId: xSell.id, quantityWh: 1000n, price: sale, amount: sale },
        { buyId: xBuy.id, sellId: ySell.id, quantityWh: 1000n, price: purchase, amount: purchase },
      ]
      const orders = [xSell, xBuy, zBuy, ySell]
      expect(await ctx.attempt(await ctx.encode(interval, { orders, trades }))).toEqual(ok)
      expect(await balanceOf(x.address)).toBe(bx + sale - purchase)
      expect(await balanceOf(z.address)).toBe(bz - sale)
    }
  })

  it('reverts a mined transaction too, not just the gas estimate', async () => {
    const interval = await ctx.interval()
    const batch = await ctx.encode(interval, await ctx.book(interval))
    expect(await ctx.attempt(batch)).toEqual(ok)
    const hash = await settleBatch(ctx.submitter, { settlement: ctx.dev.settlement, batch, gas: 1_000_000n })
    expect((await ctx.pub.waitForTransactionReceipt({ hash })).status).toBe('reverted')
  })
})

describe('registry and escrow', () => {
  it('counts registered households for the quorum; a key rotation keeps the count and leaves the money', async () => {
    const [a] = ctx.dev.accounts
    const fresh = devKeys(43)[42]!
    expect(await read('registeredCount')).toBe(8)
    expect(await ctx.quorum()).toBe(5)
    const before = await balanceOf(a!.address)
    expect(await ctx.write(ctx.operator, 'rotateKey', [a!.address, fresh.address])).toEqual(ok)
    expect(await read('isRegistered', [a!.address])).toBe(false)
    expect(await read('isRegistered', [fresh.address])).toBe(true)
    expect(await read('registeredCount')).toBe(8)
    expect(await balanceOf(a!.address)).toBe(before)
    expect(await balanceOf(fresh.address)).toBe(0n)
    expect(await ctx.write(ctx.operator, 'rotateKey', [fresh.address, a!.address])).toEqual(ok)
    expect(await ctx.write(ctx.operator, 'remove', [a!.address])).toEqual(ok)
    expect([await read('registeredCount'), await ctx.quorum()]).toEqual([7, 4])
    expect(await ctx.write(ctx.operator, 'register', [a!.address, a!.meterId])).toEqual(ok)
  })

  it('keeps a removed or rotated-away household payable for the intervals before its registry boundary', async () => {
    const gone = ctx.dev.accounts[5]!
    const interval = await ctx.interval()
    const book = await ctx.book(interval, 1, { keys: ctx.dev.accounts.slice(4, 6) })
    const batch = await ctx.encode(interval, book)
    const t = await ctx.blockTime()
    expect(await ctx.write(ctx.operator, 'remove', [gone.address])).toEqual(ok)
    const length = BigInt(await read('intervalLength'))
    const gate = BigInt(await read('gateClosure'))
    // The boundary is the interval after the next open book, from the removal's block time (+ 1 s mined).
    const boundary = (await read('activeUntil', [gone.address])) as bigint
    expect(boundary).toBe((t + 1n + gate) / length + 2n)
    expect(boundary).toBe(await read('registryBoundary', [t + 1n]))
    expect(await ctx.attempt(batch)).toEqual(ok) // cleared before the removal: paid, not UnregisteredAccount
    expect(await ctx.write(ctx.operator, 'register', [gone.address, gone.meterId])).toEqual(ok)
    expect(await read('activeUntil', [gone.address])).toBe(0n)
  })

  it('reads the available escrow of many households in one call', async () => {
    const accounts = ctx.dev.accounts.slice(0, 3).map((a) => a.address)
    const many = (await read('availableOfMany', [accounts])) as bigint[]
    expect(many).toEqual(await Promise.all(accounts.map((a) => read('availableOf', [a]))))
  })

  it('refuses a deployment whose withdrawal delay does not outlast the settlement window', async () => {
    // viem does not decode a constructor's custom error: match its selector.
    const badTiming = toFunctionSelector('BadTiming()').slice(2)
    await expect(
      deployMarket(ctx.operator, { market: ctx.dev.market, token: ctx.dev.token, timing: { withdrawalDelay: 86_400 } }),
    ).rejects.toThrow(new RegExp(badTiming))
    // One interval more than gate closure + settle delay + window: the escrow reference is the previous gate closure.
    const edge = 900 + 60 + 0 + 7 * 86_400
    const deploy = (withdrawalDelay: number) =>
      deployMarket(ctx.operator, { market: ctx.dev.market, token: ctx.dev.token, timing: { withdrawalDelay } })
    await expect(deploy(edge)).rejects.toThrow(new RegExp(badTiming))
    await expect(deploy(edge + 1)).resolves.toBeDefined()
  })

  it('withdraws after the real delay: the request reserves its amount at once, settlement still draws on it', async () => {
    const h = ctx.dev.accounts[5]!
    const w = ctx.walletOf(h.privateKey)
    const before = await balanceOf(h.address)
    expect(await ctx.write(w, 'requestWithdrawal', [1000n])).toEqual(ok)
    expect(await read('availableOf', [h.address])).toBe(before - 1000n)
    expect(await ctx.write(w, 'withdraw', [])).toMatchObject({ refused: true, error: 'WithdrawalNotReady' })
    const [, readyAt] = await read<[bigint, bigint, bigint]>('withdrawalOf', [h.address])
    const delay = await read<bigint>('withdrawalDelay')
    const window = BigInt(await read<number>('settlementWindow'))
    expect(delay).toBeGreaterThan(window)
    await ctx.setTime(readyAt)
    expect(await ctx.write(w, 'withdraw', [])).toEqual(ok)
    expect(await balanceOf(h.address)).toBe(before - 1000n)
    expect(await read('availableOf', [h.address])).toBe(before - 1000n)
    const tokens = await ctx.pub.readContract({
      address: ctx.dev.token,
      abi: testTokenAbi,
      functionName: 'balanceOf',
      args: [h.address],
    })
    expect(tokens).toBe(1000n)
  })
})
