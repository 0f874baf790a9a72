import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Address, createTestClient, encodeFunctionData, http, keccak256, zeroHash } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  getBalance,
  getTransactionCount,
  mine,
  prepareTransactionRequest,
  sendRawTransaction,
  sendTransaction,
  setAutomine,
} from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listenLocal } from '../../test/support/listenLocal.js'
import { type Anvil, startAnvil } from './anvil.js'
import { connectMarket } from './connectMarket.js'
import { settlementAbi } from './contracts.js'
import { deployMarket } from './deployMarket.js'
import { toChainError } from './describeRevert.js'
import { devKeys } from './devAccounts.js'
import { ChainError, ChainErrorCode } from './errors.js'
import { resolveJournal, type SigningClient, sendTransactionOnce } from './sendTransactionOnce.js'
import { TxJournal } from './txJournal.js'

describe('sendTransactionOnce against anvil', () => {
  let anvil: Anvil
  let client: SigningClient
  let journal: TxJournal
  const [me, other, stranger] = devKeys(3)
  const to: Address = '0x000000000000000000000000000000000000c0de'
  const transfer = (wei: bigint, key = `pay:${wei}`) => ({
    key,
    description: `pay ${wei} wei`,
    to,
    data: '0x' as const,
    value: wei,
  })

  beforeAll(async () => {
    anvil = await startAnvil()
    client = await connectMarket({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      account: privateKeyToAccount(me!.privateKey),
      pollingMs: 20,
    })
    journal = new TxJournal(join(mkdtempSync(join(tmpdir(), 'gridlet-journal-')), 'journal.json'))
  })
  afterAll(() => anvil?.stop())

  /** Signs a transfer and journals it without broadcasting: what a crash right after the journal write leaves. */
  async function journalOnly(wei: bigint, key: string) {
    const request = await prepareTransactionRequest(client, {
      account: client.account,
      to,
      value: wei,
      chain: client.chain,
    })
    const raw = await client.account.signTransaction(request as never)
    const entry = {
      key,
      description: `pay ${wei} wei`,
      chainId: anvil.chainId,
      from: me!.address,
      nonce: request.nonce as number,
      hash: keccak256(raw),
      raw,
      createdMs: 0,
    }
    journal.add(entry)
    return entry
  }

  it('sends, waits for the receipt with progress lines, and leaves nothing in the journal', async () => {
    const lines: string[] = []
    const sent = await sendTransactionOnce(client, { journal, plan: transfer(7n), progress: (l) => lines.push(l) })
    expect(sent.receipt.status).toBe('success')
    expect(sent.resumed).toBe(false)
    expect(lines[0]).toBe(`sent ${sent.hash}`)
    expect(journal.unresolved(anvil.chainId, me!.address)).toEqual([])
    expect(await getBalance(client, { address: to })).toBe(7n)
  })

  it('a journalled transaction the chain never saw is broadcast once; a retry of its action sends nothing new', async () => {
    const entry = await journalOnly(5n, 'pay:crashed')
    const before = await getTransactionCount(client, { address: me!.address })
    const sent = await sendTransactionOnce(client, { journal, plan: transfer(5n, 'pay:crashed') })
    expect(sent).toMatchObject({ hash: entry.hash, resumed: true })
    expect(await getTransactionCount(client, { address: me!.address })).toBe(before + 1)
    expect(await getBalance(client, { address: to })).toBe(12n)
  })

  it('a journalled transaction whose nonce went to another transaction is dropped, and the action is sent anew', async () => {
    const entry = await journalOnly(3n, 'pay:lost')
    await sendTransaction(client, { account: client.account, to, value: 1n, nonce: entry.nonce, chain: client.chain }) // e.g. another wallet
    const resolved = await resolveJournal(client, { journal })
    expect(resolved.map((r) => r.outcome)).toEqual(['dropped'])
    const sent = await sendTransactionOnce(client, { journal, plan: transfer(3n, 'pay:lost') })
    expect(sent.resumed).toBe(false)
    expect(await getBalance(client, { address: to })).toBe(16n)
  })

  it('a revert is decoded before anything is signed; a declined confirmation sends nothing', async () => {
    const { settlement } = await deployMarket(client, { market: zeroHash })
    const asStranger = await connectMarket({
      rpcUrl: anvil.rpcUrl,
      account: privateKeyToAccount(stranger!.privateKey),
      pollingMs: 20,
    })
    const data = encodeFunctionData({
      abi: settlementAbi,
      functionName: 'register',
      args: [other!.address, keccak256('0x01')],
    })
    const plan = { key: 'register', description: 'register', to: settlement, data }
    const err = await sendTransactionOnce(asStranger as SigningClient, { journal, plan }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ChainError)
    expect((err as ChainError).code).toBe(ChainErrorCode.NotOperator)
    expect((err as ChainError).revert?.name).toBe('AccessControlUnauthorizedAccount')
    const nonce = await getTransactionCount(client, { address: me!.address })
    const declined = await sendTransactionOnce(client, { journal, plan, confirm: async (q) => q.gas < 0n }).catch(
      (e: unknown) => e,
    )
    expect((declined as ChainError).code).toBe(ChainErrorCode.Declined)
    expect(await getTransactionCount(client, { address: me!.address })).toBe(nonce)
  })

  it('a transaction whose nonce is taken is refused as nonce too low (and leaves the journal)', async () => {
    const entry = await journalOnly(2n, 'pay:stale')
    await sendTransaction(client, { account: client.account, to, value: 1n, nonce: entry.nonce, chain: client.chain })
    const err = await sendRawTransaction(client, { serializedTransaction: entry.raw }).catch((e: unknown) =>
      toChainError(e),
    )
    expect((err as ChainError).code).toBe(ChainErrorCode.NonceTooLow)
    journal.remove(entry.hash)
  })

  it('no receipt in time (a proxy that passes the send on and never answers receipt queries): the error names the hash, the journal keeps it, a retry finds it', async () => {
    const proxy = await hangingReceiptProxy(anvil.rpcUrl)
    try {
      const viaProxy = await connectMarket({
        rpcUrl: proxy.url,
        chainId: anvil.chainId,
        account: privateKeyToAccount(me!.privateKey),
        pollingMs: 20,
      })
      const nonce = await getTransactionCount(client, { address: me!.address })
      const started = performance.now()
      const err = (await sendTransactionOnce(viaProxy, {
        journal,
        plan: transfer(11n, 'pay:hung'),
        receiptTimeoutMs: 500,
      }).catch((e: unknown) => e)) as ChainError
      expect(performance.now() - started).toBeLessThan(3000) // not the transport's 30 s timeouts
      expect(err.code).toBe(ChainErrorCode.ReceiptTimeout)
      const [pending] = journal.unresolved(anvil.chainId, me!.address)
      expect(err.shortMessage).toMatch(
        new RegExp(`^pay 11 wei: no receipt for transaction ${pending!.hash} after \\d+ s; it may still be mined$`),
      )
      expect(err.details).toContain(`kept as pending in the journal ${journal.path}`)
      expect(proxy.hung).toBeGreaterThan(0)
      const retry = await sendTransactionOnce(client, { journal, plan: transfer(11n, 'pay:hung') })
      expect(retry).toMatchObject({ hash: pending!.hash, resumed: true })
      expect(await getTransactionCount(client, { address: me!.address })).toBe(nonce + 1)
      expect(journal.unresolved(anvil.chainId, me!.address)).toEqual([])
    } finally {
      await proxy.close()
    }
  })

  it('no receipt in time (anvil not mining): the retry waits for the same transaction, which is mined later, once', async () => {
    const test = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) })
    const before = await getBalance(client, { address: to })
    const nonce = await getTransactionCount(client, { address: me!.address })
    await setAutomine(test, false)
    try {
      const plan = transfer(13n, 'pay:unmined')
      const err = (await sendTransactionOnce(client, { journal, plan, receiptTimeoutMs: 300 }).catch(
        (e: unknown) => e,
      )) as ChainError
      expect(err.code).toBe(ChainErrorCode.ReceiptTimeout)
      const [pending] = journal.unresolved(anvil.chainId, me!.address)
      expect(err.shortMessage).toContain(pending!.hash)
      const lines: string[] = []
      setTimeout(() => void mine(test, { blocks: 1 }), 300)
      const retry = await sendTransactionOnce(client, { journal, plan, progress: (l) => lines.push(l) })
      expect(retry).toMatchObject({ hash: pending!.hash, resumed: true })
      expect(lines[0]).toBe(`checking earlier transaction ${pending!.hash} (pay 13 wei)`)
    } finally {
      await setAutomine(test, true)
    }
    expect(await getTransactionCount(client, { address: me!.address })).toBe(nonce + 1)
    expect(await getBalance(client, { address: to })).toBe(before + 13n)
  })

  it('the wrong chain and a dead RPC are named', async () => {
    const wrong = await connectMarket({ rpcUrl: anvil.rpcUrl, chainId: 1 }).catch((e: unknown) => e)
    expect((wrong as ChainError).code).toBe(ChainErrorCode.WrongChain)
    const dead = await connectMarket({ rpcUrl: 'http://127.0.0.1:9' }).catch((e: unknown) => e)
    expect((dead as ChainError).code).toBe(ChainErrorCode.RpcDown)
  })
})

describe('sendTransactionOnce on a chain without EIP-1559 fees', () => {
  it('sends a legacy (gasPrice) transaction and quotes its cost from the gas price', async () => {
    // Berlin is the last hardfork before London's base fee: what some consortium chains still run.
    const anvil = await startAnvil({ args: ['--hardfork', 'berlin'] })
    try {
      const [me] = devKeys(1)
      const client = await connectMarket({
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        account: privateKeyToAccount(me!.privateKey),
        pollingMs: 20,
      })
      const journal = new TxJournal(join(mkdtempSync(join(tmpdir(), 'gridlet-journal-')), 'journal.json'))
      const to: Address = '0x000000000000000000000000000000000000beef'
      let quoted = 0n
      const sent = await sendTransactionOnce(client, {
        journal,
        plan: { key: 'pay:legacy', description: 'pay 9 wei', to, data: '0x', value: 9n },
        confirm: async (q) => {
          quoted = q.maxFeePerGas
          return true
        },
      })
      expect(sent.receipt.status).toBe('success')
      expect(sent.receipt.type).toBe('legacy')
      expect(quoted).toBeGreaterThan(0n)
      expect(await getBalance(client, { address: to })).toBe(9n)
    } finally {
      await anvil.stop()
    }
  })
})

/** A proxy that forwards every call to `target` but never answers eth_getTransactionReceipt (it holds the request). */
async function hangingReceiptProxy(target: string) {
  const state = { url: '', hung: 0, close: async () => {} }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => {
      body += d.toString()
    })
    req.on('end', async () => {
      if (body.includes('eth_getTransactionReceipt')) {
        state.hung++
        return
      }
      const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text())
    })
  })
  Object.assign(state, await listenLocal(server))
  return state
}
