/**
 * The batcher against a real anvil: each fault of issue 4 (RPC down, nonce conflict, reverted batch, reorg, crash
 * between signing/sending and the receipt, silent primary submitter) ends with the interval paid exactly once.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { type Address, createPublicClient, createTestClient, createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Batcher, type BatcherInit, submitterOrder } from '../../src/chain/batcher.js'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import type { Agreement } from '../../src/chain/encodeSettlement.js'
import { clear } from '../../src/core/market/clear.js'
import { signOrder } from '../../src/core/order/signOrder.js'
import { Side } from '../../src/core/order/types.js'
import { manualClock } from '../../src/core/time/clock.js'
import { agreementFor, type Book, buildBook, marketDomain, signTestOrder } from './orders.js'
import { pastRegistry } from './pastRegistry.js'

let dev: DevChain
let dir: string
let proxy: { url: string; down: boolean; server: Server }
let interval: bigint

beforeAll(async () => {
  dev = await startDevChain({ households: 4 })
  await pastRegistry(dev.rpcUrl, dev.settlement)
  // Intervals whose settlement window is open at the chain's time (300 intervals of 900 s back).
  interval = (await pub().getBlock()).timestamp / 900n - 300n
  dir = mkdtempSync(join(tmpdir(), 'gridlet-batcher-'))
  proxy = await startProxy(dev.rpcUrl)
})
afterAll(async () => {
  await new Promise((r) => proxy?.server.close(r))
  await dev?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const chain = () => localChain(dev.chainId, dev.rpcUrl)
const pub = () => createPublicClient({ chain: chain(), transport: http(dev.rpcUrl) })
const anvil = () => createTestClient({ mode: 'anvil', chain: chain(), transport: http(dev.rpcUrl) })
const walletFor = (key: Hex, url = dev.rpcUrl) =>
  createWalletClient({ account: privateKeyToAccount(key), chain: chain(), transport: http(url, { retryCount: 0 }) })

function batcherFor(who: Address, db: DatabaseSync, opts: Partial<BatcherInit> = {}) {
  const key = dev.accounts.find((a) => a.address === who)!.privateKey
  const clock = manualClock(1_000_000)
  const batcher = new Batcher({
    db,
    client: walletFor(key),
    settlement: dev.settlement,
    clock,
    submitterTimeoutMs: 60_000,
    retryBaseMs: 1_000,
    finalityBlocks: 3n,
    ...opts,
  })
  return { batcher, clock }
}

/** The quorum (3 of 4 households) signs the result, as their nodes do in their result announcements. */
const agree = (i: bigint, book: Book, signers = dev.accounts.slice(0, 3)) =>
  agreementFor(book, { domain: marketDomain(dev.chainId, dev.settlement), market: dev.market, interval: i, signers })

async function cleared(trades = 2): Promise<{
  book: Book
  interval: bigint
  primary: Address
  fallback: Address
  agreement: Agreement
}> {
  const i = interval++
  const book = await buildBook({
    domain: marketDomain(dev.chainId, dev.settlement),
    market: dev.market,
    interval: i,
    keys: dev.accounts,
    trades,
  })
  const [primary, fallback] = submitterOrder(
    i,
    book.orders.map((o) => o.order.account),
  )
  return { book, interval: i, primary: primary!, fallback: fallback!, agreement: agree(i, book) }
}

const balances = () =>
  Promise.all(
    dev.accounts.map((a) =>
      pub().readContract({ address: dev.settlement, abi: settlementAbi, functionName: 'balanceOf', args: [a.address] }),
    ),
  )
/** anvil mines a transaction just after eth_sendRawTransaction answers, not before: wait for it before the next tick. */
async function mined(entry: { state: string; txHash?: Hex } | undefined): Promise<void> {
  expect(entry?.state).toBe('sent')
  await pub().waitForTransactionReceipt({ hash: entry!.txHash!, pollingInterval: 20, timeout: 10_000 })
}
const total = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n)
const moved = (before: bigint[], after: bigint[]) => after.map((x, i) => x - before[i]!)

describe('batcher', () => {
  it('settles once: enqueue is idempotent, the primary submits, the entry becomes final', async () => {
    const { book, interval: i, primary, agreement } = await cleared()
    const { batcher } = batcherFor(primary, new DatabaseSync(':memory:'))
    batcher.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    batcher.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    const before = await balances()
    const sent = await batcher.tick()
    expect(sent).toHaveLength(1)
    await mined(sent[0])
    expect((await batcher.tick()).map((e) => [e.state, e.byUs])).toEqual([['confirmed', true]])
    await anvil().mine({ blocks: 3 })
    expect((await batcher.tick()).map((e) => e.state)).toEqual(['final'])
    expect(await batcher.tick()).toEqual([])
    const delta = moved(before, await balances())
    expect(total(delta)).toBe(0n)
    expect(delta.filter((d) => d < 0n).reduce((a, b) => a - b, 0n)).toBe(total(book.trades.map((t) => t.amount)))
  })

  it('settles what the market core clears: signed orders, clear(), enqueue, settle, balances as cleared', async () => {
    const i = interval++
    const domain = marketDomain(dev.chainId, dev.settlement)
    const prices = [300_000n, 280_000n, 150_000n, 200_000n] // two buyers, two sellers
    const orders = dev.accounts.map((a, k) =>
      signOrder(a.privateKey, domain, {
        market: dev.market,
        interval: i,
        side: k < 2 ? Side.Buy : Side.Sell,
        quantityWh: 700n + BigInt(k) * 100n,
        limitPrice: prices[k]!,
        account: a.address,
        nonce: 0n,
        expiry: 4_000_000_000n,
      }),
    )
    const result = clear(orders, { rule: 'k-da', interval: i, retailPrice: 350_000n, feedInPrice: 80_000n })
    expect(result.trades.length).toBeGreaterThan(0)
    const [primary] = submitterOrder(
      i,
      result.trades.flatMap((t) => [t.buyer, t.seller]),
    )
    const { batcher } = batcherFor(primary!, new DatabaseSync(':memory:'))
    const before = await balances()
    const attested = agree(i, { orders, trades: [...result.trades] })
    batcher.enqueue(
      { ...result, agreement: { ...attested, rule: result.rule, clearingPrice: result.clearingPrice } },
      orders,
    )
    await mined((await batcher.tick())[0])
    expect((await batcher.tick())[0]).toMatchObject({ state: 'confirmed', byUs: true })
    const expected = dev.accounts.map((a) =>
      result.trades.reduce(
        (sum, t) => sum + (t.seller === a.address ? t.amount : 0n) - (t.buyer === a.address ? t.amount : 0n),
        0n,
      ),
    )
    expect(moved(before, await balances())).toEqual(expected)
  })

  it('the fallback submitter steps in after the timeout when the primary stays silent', async () => {
    const { book, interval: i, primary, fallback, agreement } = await cleared()
    const { batcher: fb, clock } = batcherFor(fallback, new DatabaseSync(':memory:'))
    fb.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    expect((await fb.tick())[0]!.state).toBe('pending')
    clock.advance(60_000)
    await mined((await fb.tick())[0])
    expect((await fb.tick())[0]!.state).toBe('confirmed')
    // The primary wakes up late: it sees the interval settled with its root and never sends.
    const { batcher: late } = batcherFor(primary, new DatabaseSync(':memory:'))
    late.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    expect((await late.tick()).map((e) => [e.state, e.byUs, e.txHash])).toEqual([['confirmed', false, undefined]])
  })

  it('survives the RPC being down: backs off, keeps the outbox, sends when the RPC is back', async () => {
    const { book, interval: i, primary, agreement } = await cleared()
    const key = dev.accounts.find((a) => a.address === primary)!.privateKey
    const { batcher, clock } = batcherFor(primary, new DatabaseSync(':memory:'), { client: walletFor(key, proxy.url) })
    batcher.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    proxy.down = true
    const [failed] = await batcher.tick()
    expect(failed).toMatchObject({ state: 'pending', attempts: 1, nextAttemptMs: clock.now() + 1_000 })
    expect((await batcher.tick())[0]!.attempts).toBe(1) // backing off: no attempt before nextAttemptMs
    clock.advance(1_000)
    expect((await batcher.tick())[0]!).toMatchObject({ attempts: 2, nextAttemptMs: clock.now() + 2_000 })
    proxy.down = false
    clock.advance(2_000)
    await mined((await batcher.tick())[0])
    expect((await batcher.tick())[0]!.state).toBe('confirmed')
  })

  it('a batch the contract rejects ends as unsettleable with the decoded custom error, and is not resent', async () => {
    const { book, interval: i, primary, agreement } = await cleared(1)
    const victim = book.orders[0]!
    const forged = await signTestOrder(dev.accounts[3]!.privateKey, marketDomain(dev.chainId, dev.settlement), {
      ...victim.order,
    })
    book.orders[0] = { ...victim, signature: forged.signature }
    const { batcher } = batcherFor(primary, new DatabaseSync(':memory:'))
    batcher.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    const [entry] = await batcher.tick()
    expect(entry).toMatchObject({ state: 'unsettleable', txHash: undefined })
    expect(entry!.lastError).toMatch(/^InvalidSignature\(\d\)$/)
    expect(await batcher.tick()).toEqual([])
  })

  it('an underfunded buyer: retried a bounded number of times, then unsettleable with the reason (no endless retry)', async () => {
    const i = interval++
    const book = await buildBook({
      domain: marketDomain(dev.chainId, dev.settlement),
      market: dev.market,
      interval: i,
      keys: dev.accounts,
      trades: 1,
      price: 10n ** 12n,
      quantityWh: 10_000n,
    })
    const [primary] = submitterOrder(
      i,
      book.orders.map((o) => o.order.account),
    )
    const { batcher, clock } = batcherFor(primary!, new DatabaseSync(':memory:'), { maxRevertRetries: 3 })
    batcher.enqueue({ interval: i, trades: book.trades, agreement: agree(i, book) }, book.orders)
    const states: string[] = []
    for (let k = 0; k < 4; k++) {
      const [e] = await batcher.tick()
      states.push(e?.state ?? 'done')
      clock.advance(60_000)
    }
    expect(states).toEqual(['pending', 'pending', 'unsettleable', 'done'])
    expect(batcher.outbox.get(dev.settlement, i)!.lastError).toMatch(/^InsufficientBalance\(/)
  })

  it('leaves out the attestation of a household removed since, and settles with the remaining quorum', async () => {
    const { book, interval: i, primary } = await cleared(1)
    const gone = dev.accounts[3]!
    const operator = walletFor(dev.operator.privateKey)
    const common = { address: dev.settlement, abi: settlementAbi } as const
    // All four attest; then household 3 is removed (3 registered: quorum 2).
    const agreement = agree(i, book, [...dev.accounts])
    const { batcher } = batcherFor(primary, new DatabaseSync(':memory:'))
    batcher.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    const removal = await operator.writeContract({ ...common, functionName: 'remove', args: [gone.address] })
    await pub().waitForTransactionReceipt({ hash: removal })
    try {
      if (book.orders.some((o) => o.order.account === gone.address))
        throw new Error('the book must not use household 3')
      await mined((await batcher.tick())[0])
      expect((await batcher.tick())[0]).toMatchObject({ state: 'confirmed', byUs: true })
    } finally {
      const back = await operator.writeContract({
        ...common,
        functionName: 'register',
        args: [gone.address, gone.meterId],
      })
      await pub().waitForTransactionReceipt({ hash: back })
    }
  })

  it('an interval without attestations is kept, visibly unsettleable, never sent', async () => {
    const { book, interval: i, primary, agreement } = await cleared(1)
    const { batcher } = batcherFor(primary, new DatabaseSync(':memory:'))
    const root = batcher.enqueue({ interval: i, trades: book.trades, agreement }, book.orders).root
    const other = batcherFor(primary, new DatabaseSync(':memory:')).batcher
    other.enqueue({ interval: i, trades: book.trades, agreement: undefined, root }, book.orders)
    const [entry] = await other.tick()
    expect(entry).toMatchObject({ state: 'unsettleable', txHash: undefined })
    expect(entry!.lastError).toMatch(/no attestations/)
  })

  it('a process killed after sending: the restarted batcher finds the tx in the outbox and confirms it', async () => {
    const { book, interval: i, primary, agreement } = await cleared()
    const file = join(dir, 'killed-after-send.sqlite')
    const first = batcherFor(primary, new DatabaseSync(file))
    first.batcher.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    const [sent] = await first.batcher.tick() // signed, stored, broadcast; then the process "dies"
    await mined(sent)
    const before = await balances()
    const restarted = batcherFor(primary, new DatabaseSync(file))
    const [entry] = await restarted.batcher.tick()
    expect(entry).toMatchObject({ state: 'confirmed', byUs: true, txHash: sent!.txHash })
    expect(await balances()).toEqual(before) // paid once, by the first transaction
  })

  it('a process killed between signing and sending: the restart broadcasts the same stored transaction', async () => {
    const { book, interval: i, primary, agreement } = await cleared()
    const file = join(dir, 'killed-before-send.sqlite')
    const crash = new Error('killed')
    const first = batcherFor(primary, new DatabaseSync(file), {
      onSigned: () => {
        throw crash
      },
    })
    first.batcher.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    await first.batcher.tick() // the error is caught as a failed attempt; the signed tx is in the outbox
    const stored = first.batcher.outbox.get(dev.settlement, i)!
    expect(stored.state).toBe('sent')
    const restarted = batcherFor(primary, new DatabaseSync(file))
    restarted.clock.advance(1_000) // the restart comes after the backoff of the crashed attempt
    await mined((await restarted.batcher.tick())[0]) // re-broadcast (nothing was mined)
    expect((await restarted.batcher.tick())[0]).toMatchObject({ state: 'confirmed', txHash: stored.txHash })
  })

  it('a nonce conflict: the stored transaction lost its nonce to another one, the batcher signs afresh', async () => {
    const { book, interval: i, primary, agreement } = await cleared()
    const db = new DatabaseSync(':memory:')
    const first = batcherFor(primary, db, {
      onSigned: () => {
        throw new Error('killed')
      },
    })
    first.batcher.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    await first.batcher.tick()
    const stored = first.batcher.outbox.get(dev.settlement, i)!
    // Another transaction of the same account takes the nonce of the stored one.
    const key = dev.accounts.find((a) => a.address === primary)!.privateKey
    const other = await walletFor(key).sendTransaction({ to: primary, value: 1n, nonce: stored.nonce })
    await pub().waitForTransactionReceipt({ hash: other })
    const again = batcherFor(primary, db)
    again.clock.advance(1_000)
    const [resigned] = await again.batcher.tick()
    await mined(resigned)
    expect(resigned!.nonce).toBe(stored.nonce! + 1)
    expect(resigned!.txHash).not.toBe(stored.txHash)
    expect((await again.batcher.tick())[0]).toMatchObject({ state: 'confirmed', byUs: true, txHash: resigned!.txHash })
  })

  it('a reorg that drops the settlement: the batcher notices and resends, the interval is paid once', async () => {
    const { book, interval: i, primary, agreement } = await cleared()
    const { batcher } = batcherFor(primary, new DatabaseSync(':memory:'))
    batcher.enqueue({ interval: i, trades: book.trades, agreement }, book.orders)
    const before = await balances()
    const snapshot = await anvil().snapshot()
    await mined((await batcher.tick())[0])
    expect((await batcher.tick())[0]!.state).toBe('confirmed')
    const paid = await balances()
    await anvil().revert({ id: snapshot }) // the blocks holding the settlement are gone
    expect(await balances()).toEqual(before)
    await mined((await batcher.tick())[0]) // gone: the same signed tx is broadcast again
    expect((await batcher.tick())[0]!.state).toBe('confirmed')
    expect(await balances()).toEqual(paid)
    await anvil().mine({ blocks: 3 })
    expect((await batcher.tick())[0]!.state).toBe('final')
  })
})

/** An HTTP JSON-RPC proxy to anvil that can be switched off (connections are reset while down). */
async function startProxy(target: string): Promise<{ url: string; down: boolean; server: Server }> {
  const state = { url: '', down: false, server: undefined as unknown as Server }
  state.server = createServer(async (req, res) => {
    if (state.down) return req.socket.destroy()
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const upstream = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat(chunks),
    })
    res.writeHead(upstream.status, { 'content-type': 'application/json' })
    res.end(await upstream.text())
  })
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', r))
  const address = state.server.address()
  state.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return state
}
