/**
 * The settlement contract on a real anvil: the happy path, every attack of issue 4 (each must revert on chain
 * with the right custom error), the registry and the escrow.
 */
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  parseEventLogs,
  toHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localChain, settlementAbi, testTokenAbi } from '../../src/chain/contracts.js'
import { devKeys } from '../../src/chain/devAccounts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { encodeSettlement, type SettlementBatch } from '../../src/chain/encodeSettlement.js'
import { ChainError } from '../../src/chain/errors.js'
import { readHouseholds } from '../../src/chain/readHouseholds.js'
import { settleBatch } from '../../src/chain/settleBatch.js'
import { type Book, buildBook, marketDomain, signTestOrder } from './orders.js'

let dev: DevChain
let pub: ReturnType<typeof createPublicClient>
let operator: ReturnType<typeof walletOf>
let submitter: ReturnType<typeof walletOf>
let nextInterval = 100n

const walletOf = (privateKey: Hex) =>
  createWalletClient({
    account: privateKeyToAccount(privateKey),
    chain: localChain(dev.chainId, dev.rpcUrl),
    transport: http(dev.rpcUrl),
  })

beforeAll(async () => {
  dev = await startDevChain({ households: 8 })
  pub = createPublicClient({ chain: localChain(dev.chainId, dev.rpcUrl), transport: http(dev.rpcUrl) })
  operator = walletOf(dev.operator.privateKey)
  submitter = walletOf(dev.accounts[0]!.privateKey)
})
afterAll(async () => dev?.stop())

const domain = () => marketDomain(dev.chainId, dev.settlement)
const book = (interval: bigint, trades = 3, extra: Partial<Parameters<typeof buildBook>[0]> = {}) =>
  buildBook({ domain: domain(), market: dev.market, interval, keys: dev.accounts, trades, ...extra })

async function encode(interval: bigint, b: Book): Promise<SettlementBatch> {
  const accounts = b.orders.map((o) => o.order.account)
  return encodeSettlement(
    interval,
    b.orders,
    b.trades,
    await readHouseholds(pub, { settlement: dev.settlement, accounts }),
  )
}

/** Sends settle and returns the decoded custom error name and args (or 'ok'). */
async function attempt(
  batch: SettlementBatch,
  wallet = submitter,
): Promise<string | { name: string; args: unknown[] }> {
  try {
    const hash = await settleBatch(wallet, { settlement: dev.settlement, batch })
    const receipt = await pub.waitForTransactionReceipt({ hash })
    return receipt.status === 'success' ? 'ok' : 'reverted'
  } catch (err) {
    if (err instanceof ChainError && err.revert) return { name: err.revert.name, args: [...err.revert.args] }
    throw err
  }
}

const balanceOf = (account: Address) =>
  pub.readContract({ address: dev.settlement, abi: settlementAbi, functionName: 'balanceOf', args: [account] })

/** Replaces byte range [from, from + bytes) of a hex blob. */
function patch(blob: Hex, from: number, bytesHex: string): Hex {
  return `0x${blob.slice(2, 2 + from * 2)}${bytesHex}${blob.slice(2 + from * 2 + bytesHex.length)}` as Hex
}

describe('settle', () => {
  it('pays every trade exactly once, emits the root and marks the interval settled', async () => {
    const interval = nextInterval++
    const b = await book(interval, 4)
    const batch = await encode(interval, b)
    const before = await Promise.all(dev.accounts.map((a) => balanceOf(a.address)))
    const hash = await settleBatch(submitter, { settlement: dev.settlement, batch })
    const receipt = await pub.waitForTransactionReceipt({ hash })
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
    expect(
      await pub.readContract({
        address: dev.settlement,
        abi: settlementAbi,
        functionName: 'isSettled',
        args: [interval],
      }),
    ).toBe(true)
  })

  it('accepts orders signed by viem signTypedData too: the contract hashes exactly the core EIP-712 type', async () => {
    const interval = nextInterval++
    const b = await book(interval, 1)
    const keyOf = new Map(dev.accounts.map((a) => [a.address, a.privateKey]))
    const viemSigned = await Promise.all(
      b.orders.map((o) => signTestOrder(keyOf.get(o.order.account)!, domain(), o.order)),
    )
    expect(viemSigned.map((o) => o.id)).toEqual(b.orders.map((o) => o.id))
    expect(await attempt(await encode(interval, { orders: viemSigned, trades: b.trades }))).toBe('ok')
  })

  it('pays a buy covered only by the same household selling in the interval, whatever the order of their ids', async () => {
    for (const buyFirst of [true, false]) {
      const interval = nextInterval++
      const [x, y, z] = [dev.accounts[5]!, dev.accounts[6]!, dev.accounts[7]!]
      const [bx, bz] = [await balanceOf(x.address), await balanceOf(z.address)]
      // x sells 1 kWh to z for bz / 2 and buys 1 kWh from y for bx + bz / 4: covered only net of its sale.
      const [sale, purchase] = [bz / 2n, bx + bz / 4n]
      const order = (account: typeof x, side: 0 | 1, limitPrice: bigint, nonce: bigint) =>
        signTestOrder(account.privateKey, domain(), {
          market: dev.market,
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
      expect(await attempt(await encode(interval, { orders, trades }))).toBe('ok')
      expect(await balanceOf(x.address)).toBe(bx + sale - purchase)
      expect(await balanceOf(z.address)).toBe(bz - sale)
    }
  })

  it('rejects a second settlement of the same interval', async () => {
    const interval = nextInterval++
    const batch = await encode(interval, await book(interval))
    expect(await attempt(batch)).toBe('ok')
    expect(await attempt(batch)).toEqual({ name: 'AlreadySettled', args: [interval] })
  })

  it('reverts a mined transaction too, not just the gas estimate', async () => {
    const interval = nextInterval++
    const batch = await encode(interval, await book(interval))
    expect(await attempt(batch)).toBe('ok')
    const hash = await settleBatch(submitter, { settlement: dev.settlement, batch, gas: 1_000_000n })
    expect((await pub.waitForTransactionReceipt({ hash })).status).toBe('reverted')
  })
})

describe('attacks: each fails on chain with the right error', () => {
  it('a trade above the buyer limit', async () => {
    const interval = nextInterval++
    const b = await book(interval, 2)
    const buy = b.orders.find((o) => o.id === b.trades[1]!.buyId)!
    b.trades[1] = { ...b.trades[1]!, price: buy.order.limitPrice + 1n }
    expect(await attempt(await encode(interval, b))).toEqual({ name: 'PriceAboveBuyerLimit', args: [1n] })
  })

  it('a trade below the seller limit', async () => {
    const interval = nextInterval++
    const b = await book(interval, 2)
    const sell = b.orders.find((o) => o.id === b.trades[0]!.sellId)!
    b.trades[0] = { ...b.trades[0]!, price: sell.order.limitPrice - 1n }
    expect(await attempt(await encode(interval, b))).toEqual({ name: 'PriceBelowSellerLimit', args: [0n] })
  })

  it('a forged signature (another key signs the order of a household)', async () => {
    const interval = nextInterval++
    const b = await book(interval, 1)
    const victim = b.orders[0]!
    const forged = await signTestOrder(dev.accounts[7]!.privateKey, domain(), victim.order)
    b.orders[0] = { ...victim, signature: forged.signature }
    const batch = await encode(interval, b)
    const index = batch.orderIds.indexOf(victim.id.toLowerCase() as Hex)
    expect(await attempt(batch)).toEqual({ name: 'InvalidSignature', args: [BigInt(index)] })
  })

  it('a malleated signature (high s, the twin ecrecover accepts) and a bad v', async () => {
    const interval = nextInterval++
    const b = await book(interval, 1)
    const o = b.orders[0]!
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const s = BigInt(`0x${o.signature.slice(66, 130)}`)
    const v = Number.parseInt(o.signature.slice(130), 16)
    const twin =
      `${o.signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex
    for (const signature of [twin, `${o.signature.slice(0, 130)}1d` as Hex]) {
      b.orders[0] = { ...o, signature }
      const batch = await encode(interval, b)
      const index = BigInt(batch.orderIds.indexOf(o.id.toLowerCase() as Hex))
      expect(await attempt(batch)).toEqual({ name: 'InvalidSignature', args: [index] })
    }
  })

  it('a replayed signature: the same signed order twice in one batch', async () => {
    const interval = nextInterval++
    const batch = await encode(interval, await book(interval, 1))
    // Order 0 again at index 1; the trade's reference to the old index 1 moves to 2.
    const trades = batch.trades.replace(/^0x(0000)0001|^0x0001(0000)/, (_m, a) =>
      a ? '0x00000002' : '0x00020000',
    ) as Hex
    const twice = { ...batch, trades, orders: dup(batch.orders, 45, 0), signatures: dup(batch.signatures, 65, 0) }
    expect(await attempt(twice)).toEqual({ name: 'DuplicateOrder', args: [1n] })
  })

  it('a replayed signature: an order signed for an earlier interval', async () => {
    const interval = nextInterval++
    const old = await encode(interval - 50n, await book(interval - 50n, 1))
    expect(await attempt({ ...old, interval })).toEqual({ name: 'InvalidSignature', args: [0n] })
  })

  it('an order for another market', async () => {
    const interval = nextInterval++
    const b = await book(interval, 1, { market: keccak256(toHex('another-street')) })
    expect(await attempt(await encode(interval, b))).toEqual({ name: 'InvalidSignature', args: [0n] })
  })

  it('an order for another chain', async () => {
    const interval = nextInterval++
    const b = await book(interval, 1, { domain: marketDomain(1, dev.settlement) })
    expect(await attempt(await encode(interval, b))).toEqual({ name: 'InvalidSignature', args: [0n] })
  })

  it('an unregistered account (removed household)', async () => {
    const interval = nextInterval++
    const b = await book(interval, 1)
    const gone = b.orders[1]!.order.account
    const batch = await encode(interval, b)
    await confirm(
      operator.writeContract({ address: dev.settlement, abi: settlementAbi, functionName: 'remove', args: [gone] }),
    )
    try {
      const index = BigInt(batch.orderIds.indexOf(b.orders[1]!.id.toLowerCase() as Hex))
      expect(await attempt(batch)).toEqual({ name: 'UnregisteredAccount', args: [index, gone] })
    } finally {
      const meterId = dev.accounts.find((a) => a.address === gone)!.meterId
      await confirm(
        operator.writeContract({
          address: dev.settlement,
          abi: settlementAbi,
          functionName: 'register',
          args: [gone, meterId],
        }),
      )
    }
  })

  it('an account that never registered', async () => {
    const interval = nextInterval++
    const [outsider] = devKeys(40).slice(39)
    const b = await buildBook({
      domain: domain(),
      market: dev.market,
      interval,
      trades: 1,
      keys: [outsider!, dev.accounts[1]!],
    })
    const households = await readHouseholds(pub, { settlement: dev.settlement, accounts: [dev.accounts[1]!.address] })
    households.set(outsider!.address, 4_000) // an index nobody holds
    const batch = encodeSettlement(interval, b.orders, b.trades, households)
    const index = BigInt(batch.orderIds.indexOf(b.orders[0]!.id.toLowerCase() as Hex))
    expect(await attempt(batch)).toEqual({
      name: 'UnregisteredAccount',
      args: [index, '0x0000000000000000000000000000000000000000'],
    })
  })

  it('a trade naming an order outside the batch, a zero quantity, an unfilled order, unsorted orders', async () => {
    const interval = nextInterval++
    const batch = await encode(interval, await book(interval, 1))
    expect(await attempt({ ...batch, trades: patch(batch.trades, 0, 'ffff') })).toEqual({
      name: 'OrderIndexOutOfRange',
      args: [0n],
    })
    expect(await attempt({ ...batch, trades: patch(batch.trades, 4, '00000000') })).toEqual({
      name: 'ZeroQuantity',
      args: [0n],
    })
    const idle = await book(interval, 1, { keys: dev.accounts.slice(2) })
    const extra = await encode(interval, idle)
    const unfilled = {
      ...batch,
      orders: `${batch.orders}${extra.orders.slice(2, 92)}` as Hex,
      signatures: `${batch.signatures}${extra.signatures.slice(2, 132)}` as Hex,
    }
    const last = extra.orderIds[0]! > batch.orderIds[1]!
    expect(await attempt(unfilled)).toEqual(
      last ? { name: 'UnfilledOrder', args: [2n] } : { name: 'OrdersNotSorted', args: [2n] },
    )
    const swapped = {
      ...batch,
      orders: `0x${batch.orders.slice(92)}${batch.orders.slice(2, 92)}` as Hex,
      signatures: `0x${batch.signatures.slice(132)}${batch.signatures.slice(2, 132)}` as Hex,
      trades: `0x${batch.trades.slice(6, 10)}${batch.trades.slice(2, 6)}${batch.trades.slice(10)}` as Hex,
    }
    expect(await attempt(swapped)).toEqual({ name: 'OrdersNotSorted', args: [1n] })
  })

  it('a batch that is not budget-balanced', async () => {
    const interval = nextInterval++
    const batch = await encode(interval, await book(interval, 2))
    expect(await attempt({ ...batch, totalAmount: batch.totalAmount + 1n })).toEqual({
      name: 'NotBudgetBalanced',
      args: [batch.totalAmount + 1n, batch.totalAmount],
    })
  })

  it('a buyer without enough escrow balance', async () => {
    const interval = nextInterval++
    const b = await book(interval, 1, { price: 10n ** 12n, quantityWh: 10_000n })
    const buyer = b.orders.find((o) => o.order.side === 0)!
    const batch = await encode(interval, b)
    const index = BigInt(batch.orderIds.indexOf(buyer.id.toLowerCase() as Hex))
    const balance = await balanceOf(buyer.order.account)
    expect(await attempt(batch)).toEqual({
      name: 'InsufficientBalance',
      args: [index, buyer.order.account, balance, batch.totalAmount],
    })
  })

  it('more energy than an order allows', async () => {
    const interval = nextInterval++
    const b = await book(interval, 2)
    const t = b.trades[1]!
    b.trades[1] = { ...t, quantityWh: t.quantityWh + 1n, amount: ((t.quantityWh + 1n) * t.price) / 1000n }
    const batch = await encode(interval, b)
    const buy = BigInt(batch.orderIds.indexOf(b.trades[1]!.buyId.toLowerCase() as Hex))
    const sell = BigInt(batch.orderIds.indexOf(b.trades[1]!.sellId.toLowerCase() as Hex))
    expect(await attempt(batch)).toEqual({ name: 'Overfilled', args: [buy < sell ? buy : sell] })
  })

  it('an expired order, a sell order on the buy side, and a submitter who is not a household', async () => {
    const interval = nextInterval++
    const expired = await encode(interval, await book(interval, 1, { expiry: 1n }))
    expect(await attempt(expired)).toMatchObject({ name: 'OrderExpired' })
    const b = await book(interval, 1)
    b.trades[0] = { ...b.trades[0]!, buyId: b.trades[0]!.sellId, sellId: b.trades[0]!.buyId }
    expect(await attempt(await encode(interval, b))).toEqual({ name: 'NotABuyOrder', args: [0n] })
    const valid = await encode(interval, await book(interval, 1))
    expect(await attempt(valid, walletOf(devKeys(41)[40]!.privateKey))).toMatchObject({ name: 'UnauthorizedSubmitter' })
  })
})

describe('registry and escrow', () => {
  it('only the operator manages the registry; a key rotation leaves the money with the old key', async () => {
    const [a] = dev.accounts
    const fresh = devKeys(43)[42]!
    await expect(
      submitter.writeContract({
        address: dev.settlement,
        abi: settlementAbi,
        functionName: 'remove',
        args: [a!.address],
      }),
    ).rejects.toThrow(/AccessControlUnauthorizedAccount/)
    const before = await balanceOf(a!.address)
    await confirm(
      operator.writeContract({
        address: dev.settlement,
        abi: settlementAbi,
        functionName: 'rotateKey',
        args: [a!.address, fresh.address],
      }),
    )
    const read = (fn: 'isRegistered', who: Address) =>
      pub.readContract({ address: dev.settlement, abi: settlementAbi, functionName: fn, args: [who] })
    expect(await read('isRegistered', a!.address)).toBe(false)
    expect(await read('isRegistered', fresh.address)).toBe(true)
    expect(await balanceOf(a!.address)).toBe(before)
    expect(await balanceOf(fresh.address)).toBe(0n)
    await confirm(
      operator.writeContract({
        address: dev.settlement,
        abi: settlementAbi,
        functionName: 'rotateKey',
        args: [fresh.address, a!.address],
      }),
    )
    expect(await read('isRegistered', a!.address)).toBe(true)
  })

  it('withdraws through a request (delay 0 on the dev chain)', async () => {
    const h = walletOf(dev.accounts[5]!.privateKey)
    const who = dev.accounts[5]!.address
    const before = await balanceOf(who)
    const common = { address: dev.settlement, abi: settlementAbi } as const
    await confirm(h.writeContract({ ...common, functionName: 'requestWithdrawal', args: [1000n] }))
    await confirm(h.writeContract({ ...common, functionName: 'withdraw' }))
    expect(await balanceOf(who)).toBe(before - 1000n)
    const tokens = await pub.readContract({
      address: dev.token,
      abi: testTokenAbi,
      functionName: 'balanceOf',
      args: [who],
    })
    expect(tokens).toBe(1000n)
  })
})

async function confirm(sent: Promise<Hex>) {
  const receipt = await pub.waitForTransactionReceipt({ hash: await sent })
  expect(receipt.status).toBe('success')
}

/** Inserts a copy of record `i` right after it (so the batch holds the same signed order twice). */
function dup(blob: Hex, size: number, i: number): Hex {
  const rec = blob.slice(2 + i * size * 2, 2 + (i + 1) * size * 2)
  return patch(blob, (i + 1) * size, rec + blob.slice(2 + (i + 1) * size * 2))
}
