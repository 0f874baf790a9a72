import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { type Address, createTestClient, createWalletClient, type Hex, http, publicActions } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { deployContract, mine, setBalance, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { type Anvil, startAnvil } from '../../src/chain/anvil.js'
import { Batcher, submitterOrder } from '../../src/chain/batcher.js'
import { localChain, testTokenAbi, testTokenArtifact } from '../../src/chain/contracts.js'
import type { DevChain } from '../../src/chain/devChain.js'
import type { CliIo } from '../../src/cli/cliIo.js'
import { createProgram } from '../../src/cli/program.js'
import { manualClock } from '../../src/core/time/clock.js'
import { agreementFor, buildBook, marketDomain } from '../chain/orders.js'
import { pastRegistry } from '../chain/pastRegistry.js'
import { listenLocal } from '../support/listenLocal.js'

/** What one in-process `gridlet` run printed and its exit code. */
export interface Run {
  readonly out: string
  readonly err: string
  readonly code: number
}

/**
 * Runs `gridlet ARGS` in this process (the production command tree, a capturing io): a few ms instead of the
 * seconds a fresh tsx process takes. `answer` is what the confirmation prompt gets (default: no terminal: false).
 */
export async function gridlet(args: readonly string[], opts: { answer?: boolean } = {}): Promise<Run> {
  const out: string[] = []
  const err: string[] = []
  let code = 0
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    progress: (l) => {
      if (l) err.push(l)
    },
    ask: async () => opts.answer ?? false,
    fail: (c) => {
      code = c
    },
  }
  const program = createProgram(io)
  try {
    await program.parseAsync(['node', 'gridlet', ...args])
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1
    err.push(String((e as Error).message))
  }
  return { out: out.join('\n'), err: err.join('\n'), code }
}

/** anvil with the pilot's ERC-20 (the test token: 6 decimals, open mint) and funded keys. */
export interface PilotChain {
  readonly anvil: Anvil
  readonly token: Address
  readonly dir: string
  /** Writes a passphrase file and returns its path. */
  readonly passFile: string
  mint(to: Address, units: bigint): Promise<void>
  /** Gives an account 10 ETH for gas (anvil_setBalance). */
  fund(to: Address): Promise<void>
  /** Advances the chain's clock (evm_increaseTime + a block). */
  increaseTime(seconds: number): Promise<void>
  stop(): Promise<void>
}

/** Starts anvil as an ordinary RPC endpoint and deploys an ERC-20 with account 9 of anvil's test mnemonic. */
export async function startPilotChain(): Promise<PilotChain> {
  const anvil = await startAnvil()
  const minter = privateKeyToAccount('0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6') // anvil #9
  const wallet = createWalletClient({
    account: minter,
    chain: localChain(anvil.chainId, anvil.rpcUrl),
    transport: http(anvil.rpcUrl),
    pollingInterval: 20,
  }).extend(publicActions)
  const hash = await deployContract(wallet, { abi: testTokenArtifact.abi, bytecode: testTokenArtifact.bytecode })
  const token = (await waitForTransactionReceipt(wallet, { hash })).contractAddress as Address
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-pilot-'))
  const passFile = join(dir, 'pass')
  writeFileSync(passFile, 'correct horse battery staple\n')
  const test = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) })
  return {
    anvil,
    token,
    dir,
    passFile,
    mint: async (to, units) => {
      const h = await writeContract(wallet, {
        address: token,
        abi: testTokenAbi,
        functionName: 'mint',
        args: [to, units],
      })
      await waitForTransactionReceipt(wallet, { hash: h })
    },
    fund: (to) => setBalance(test, { address: to, value: 10n ** 19n }),
    increaseTime: async (seconds) => {
      await test.request({ method: 'evm_increaseTime', params: [`0x${seconds.toString(16)}`] } as never)
      await mine(test, { blocks: 1 })
    },
    stop: () => anvil.stop(),
  }
}

/** anvil's test accounts 1..3 (funded with ETH): the households' imported keys. */
export const HOUSEHOLD_KEYS: readonly Hex[] = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
]

/**
 * An RPC proxy in front of anvil that forwards everything but, while `dropSends` is set, answers no
 * eth_sendRawTransaction after the first `pass`: it passes the transaction on to anvil and then cuts the
 * connection, like an RPC that dies after accepting a transaction.
 */
export async function droppingProxy(
  target: string,
  opts: { pass?: number } = {},
): Promise<{ url: string; dropSends: boolean; sends: number; dropped: number; close(): Promise<void> }> {
  const state = { url: '', dropSends: true, sends: 0, dropped: 0, close: async () => {} }
  const server: Server = createServer(async (req, res) => {
    const body = await read(req)
    const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const text = await upstream.text()
    if (body.includes('eth_sendRawTransaction') && state.dropSends && ++state.sends > (opts.pass ?? 0)) {
      state.dropped++
      req.socket.destroy()
      return
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text)
  })
  Object.assign(state, await listenLocal(server))
  return state
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = ''
    req.on('data', (d: Buffer) => {
      s += d.toString()
    })
    req.on('end', () => resolve(s))
    req.on('error', reject)
  })
}

/**
 * An RPC proxy in front of anvil that makes it look like a chain without EIP-1559 (a pre-London consortium chain
 * whose EVM still runs the artifact, which anvil `--hardfork berlin` cannot: the contracts use PUSH0): blocks carry
 * no base fee, the fee-market methods are unknown, and a type-2 (EIP-1559) transaction is refused as such a node
 * refuses it. `refused` counts the type-2 transactions it turned away.
 */
export async function legacyFeeProxy(
  target: string,
): Promise<{ url: string; refused: number; close(): Promise<void> }> {
  const state = { url: '', refused: 0, close: async () => {} }
  const server: Server = createServer(async (req, res) => {
    const body = await read(req)
    const call = JSON.parse(body) as { id: number; method: string; params?: unknown[] }
    const reply = (json: object) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', id: call.id, ...json }))
    if (call.method === 'eth_feeHistory' || call.method === 'eth_maxPriorityFeePerGas') {
      return reply({ error: { code: -32601, message: `the method ${call.method} does not exist/is not available` } })
    }
    if (call.method === 'eth_sendRawTransaction' && String(call.params?.[0]).startsWith('0x02')) {
      state.refused++
      return reply({ error: { code: -32000, message: 'transaction type not supported' } })
    }
    const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const json = (await upstream.json()) as { result?: { baseFeePerGas?: unknown } }
    if (call.method.startsWith('eth_getBlockBy') && json.result) delete json.result.baseFeePerGas
    reply(json)
  })
  Object.assign(state, await listenLocal(server))
  return state
}

/**
 * Settles one interval of a dev chain market the way a node does: a book of signed orders with two trades, the
 * quorum's attestations, and the production Batcher of the interval's primary submitter, over `rpcUrl`. Resolves
 * with the settlement transaction's receipt once the batcher saw its `Settled` event.
 */
export async function settleInterval(dev: DevChain, opts: { rpcUrl: string; interval: bigint }) {
  const { interval } = opts
  const chain = localChain(dev.chainId, opts.rpcUrl)
  const domain = marketDomain(dev.chainId, dev.settlement)
  const book = await buildBook({ domain, market: dev.market, interval, keys: dev.accounts, trades: 2 })
  const agreement = agreementFor(book, { domain, market: dev.market, interval, signers: dev.accounts.slice(0, 2) })
  const [primary] = submitterOrder(
    interval,
    book.orders.map((o) => o.order.account),
  )
  const account = privateKeyToAccount(dev.accounts.find((a) => a.address === primary)!.privateKey)
  const client = createWalletClient({ account, chain, transport: http(opts.rpcUrl), pollingInterval: 20 })
  const batcher = new Batcher({
    db: new DatabaseSync(':memory:'),
    client,
    settlement: dev.settlement,
    clock: manualClock(1_000_000),
    finalityBlocks: 1n,
  })
  batcher.enqueue({ interval, trades: book.trades, agreement }, book.orders)
  const [sent] = await batcher.tick()
  if (sent?.state !== 'sent') throw new Error(`the batcher did not send: ${sent?.state} ${sent?.lastError}`)
  const receipt = await waitForTransactionReceipt(client, { hash: sent.txHash!, timeout: 10_000 })
  const [after] = await batcher.tick()
  if (after?.state !== 'confirmed' || !after.byUs) throw new Error(`not confirmed: ${after?.state}`)
  return { receipt, trades: book.trades }
}

/**
 * The interval that started `back` intervals (900 s) before the chain's latest block: open for settlement, and at or
 * after the registry boundary of the households registered so far (the chain's time is moved on if needed).
 */
export async function recentInterval(rpcUrl: string, settlement: Address, back = 5n): Promise<bigint> {
  return (await pastRegistry(rpcUrl, settlement, back)) / 900n - back
}

/**
 * An RPC proxy in front of anvil that caps eth_getLogs as public RPCs do (Infura's -32005 "limit exceeded", which
 * viem's transport retries): a query over more than `maxBlocks` blocks gets an error. `refused` lists the refused
 * ranges (each once), `served` counts the log queries answered.
 */
export async function rangeCappedProxy(target: string, maxBlocks: number) {
  const state = { url: '', served: 0, refused: [] as string[], close: async () => {} }
  const server: Server = createServer(async (req, res) => {
    const body = await read(req)
    const call = JSON.parse(body) as { id: number; method: string; params?: { fromBlock?: string; toBlock?: string }[] }
    if (call.method === 'eth_getLogs') {
      const { fromBlock, toBlock } = call.params?.[0] ?? {}
      if (
        !fromBlock?.startsWith('0x') ||
        !toBlock?.startsWith('0x') ||
        Number(toBlock) - Number(fromBlock) + 1 > maxBlocks
      ) {
        const range = `${Number(fromBlock)}..${Number(toBlock)}`
        if (!state.refused.includes(range)) state.refused.push(range)
        const error = { code: -32005, message: `query exceeds max block range ${maxBlocks}` }
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: call.id, error }))
      }
      state.served++
    }
    const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text())
  })
  Object.assign(state, await listenLocal(server))
  return state
}
