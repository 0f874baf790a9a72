/**
 * End to end, ten real nodes (startNode: Modbus TCP meters, libp2p on loopback, anvil) follow the contract's
 * registry and escrow while it changes: mid-run one household asks to withdraw all its escrow and the operator
 * removes another. Every interval that had trades is settled once with the agreed root, and every household's
 * balance moves by exactly what the core clearing of the agreed order sets (with the covers the nodes used) pays.
 */
import { appendFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import pino from 'pino'
import { type Address, createPublicClient, createWalletClient, getAddress, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getContractEvents } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/chain/anvil.js'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { registryBoundary } from '../../src/chain/registryAt.js'
import { parseConfig } from '../../src/config/loadConfig.js'
import { clear } from '../../src/core/market/clear.js'
import type { EscrowCover } from '../../src/core/market/coverEscrow.js'
import { acceleratedClock } from '../../src/core/time/clock.js'
import { intervalAt, intervalStartMs, marketTime } from '../../src/core/time/interval.js'
import { type MeterSimulator, startMeterSimulator, syntheticSource } from '../../src/meter/index.js'
import { p2pNetwork } from '../../src/node/adapters/p2pNetwork.js'
import type { NetworkOutcome } from '../../src/node/ports.js'
import { type RunningNode, startNode } from '../../src/node/startNode.js'
import { derivePeerKey } from '../../src/p2p/createMarketNode.js'
import { devMarketSection } from '../support/devMarket.js'

const N = 10
const SPEED = 20
const TIME = marketTime({ lengthS: 60, gateClosureS: 40, maxSkewS: 2 })
const INTERVAL_REAL_MS = (TIME.lengthS * 1000) / SPEED
const WITHDRAWER = 9 // a buyer (no PV)
const REMOVED = 8 // a seller
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('ten nodes: a withdrawal and a removal mid-run', () => {
  let dev: DevChain
  const sims: MeterSimulator[] = []
  const nodes: RunningNode[] = []
  const outcomes = Array.from({ length: N }, () => new Map<number, NetworkOutcome>())
  const covers = Array.from({ length: N }, () => new Map<bigint, EscrowCover | undefined>())
  const day = Math.floor(Date.now() / 86_400_000) + 1
  const start = intervalStartMs(TIME, intervalAt(TIME, day * 86_400_000 + 12 * 3_600_000))
  const clock = acceleratedClock({ startMs: start, speed: SPEED })
  let pub: ReturnType<typeof createPublicClient>
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    pub.readContract({ address: dev.settlement, abi: settlementAbi, functionName, args } as never) as Promise<T>

  beforeAll(async () => {
    dev = await startDevChain({
      households: N,
      clock,
      timing: { intervalLength: TIME.lengthS, gateClosure: TIME.gateClosureS },
    })
    pub = createPublicClient({ chain: localChain(dev.chainId, dev.rpcUrl), transport: http(dev.rpcUrl) })
    const ports = await Promise.all(Array.from({ length: N }, () => freePort()))
    const peer0 = peerIdFromPrivateKey(await derivePeerKey(dev.households[0]!.privateKey)).toString()
    const boot = `/ip4/127.0.0.1/tcp/${ports[0]}/p2p/${peer0}`
    for (let i = 0; i < N; i++) {
      // Even households have PV and sell at noon, odd ones only buy.
      const source = syntheticSource({ startMs: start, pvPeakW: i % 2 === 0 ? 9000 : 0 })
      sims.push(await startMeterSimulator({ profile: 'sdm630', clock, source }))
    }
    const startOne = async (i: number) => {
      const dir = mkdtempSync(join(tmpdir(), `gridlet-ten-${i}-`))
      const config = parseConfig(
        {
          // No household list: every node follows the contract's registry.
          market: devMarketSection(dev, TIME, { households: false }),
          meter: { port: sims[i]!.port, pollS: 5, timeoutMs: 500 },
          p2p: { listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`], bootstrap: i === 0 ? [] : [boot], mdns: false },
          // Every node hands every agreed result to its batcher; the submitter rotation picks who sends.
          chain: { rpcUrl: dev.rpcUrl, retryS: 0.5, pollS: 0.5, submit: 'all' },
          strategy: { minQuantityWh: 1 },
          http: { port: 0 },
          store: { path: 'node.sqlite' },
        },
        dir,
      )
      nodes[i] = await startNode({
        config,
        privateKey: dev.households[i]!.privateKey,
        clock,
        logger: pino({ level: process.env.INT_DEBUG ? 'info' : 'silent' }),
        adapters: {
          // The production network, with the outcomes and covers recorded for the check against the core.
          network: (ctx) => {
            const chain = ctx.chain!
            const net = p2pNetwork({
              privateKey: ctx.privateKey,
              domain: ctx.domain,
              market: ctx.market,
              time: ctx.time,
              clock: ctx.clock,
              config: ctx.config,
              households: chain.registry,
              escrow: (k) => {
                const cover = chain.escrow(k)
                covers[i]!.set(k, cover)
                return cover
              },
              registry: ctx.registry,
              libp2p: { inboundConnectionThreshold: 100, maxConnections: 100, ipColocationWeight: 0 },
            })
            net.onOutcome((o) => outcomes[i]!.set(o.interval, o))
            return net
          },
        },
      })
    }
    // The bootstrap node first (the others dial it once, at start), then the rest together.
    await startOne(0)
    await Promise.all(Array.from({ length: N - 1 }, (_, i) => startOne(i + 1)))
  }, 90_000)

  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n?.stop()))
    await Promise.allSettled(sims.map((s) => s.close()))
    await dev?.stop()
  })

  it('settles every interval with trades; balances move exactly as the core clearing of the agreed sets pays', {
    timeout: 120_000,
  }, async () => {
    const accounts = dev.households.map((h) => getAddress(h.address))
    const before = await Promise.all(accounts.map((a) => read<bigint>('balanceOf', [a])))
    const settledEvents = async () =>
      (
        await getContractEvents(pub, {
          address: dev.settlement,
          abi: settlementAbi,
          eventName: 'Settled',
          fromBlock: 0n,
        })
      ).map((e) => e.args as { interval: bigint; root: Hex })
    for (let t = 0; t < 20 && (await settledEvents()).length < 1; t++) await sleep(INTERVAL_REAL_MS)
    expect((await settledEvents()).length).toBeGreaterThanOrEqual(1)

    // Mid-run: household 9 asks to withdraw everything; the operator removes household 8.
    const wallet = (key: Hex) =>
      createWalletClient({
        account: privateKeyToAccount(key),
        chain: localChain(dev.chainId, dev.rpcUrl),
        transport: http(dev.rpcUrl),
      })
    const all = await read<bigint>('balanceOf', [accounts[WITHDRAWER]!])
    const common = { address: dev.settlement, abi: settlementAbi } as const
    const requested = await pub.waitForTransactionReceipt({
      hash: await wallet(dev.households[WITHDRAWER]!.privateKey).writeContract({
        ...common,
        functionName: 'requestWithdrawal',
        args: [all],
      }),
    })
    const removal = await pub.waitForTransactionReceipt({
      hash: await wallet(dev.operator.privateKey).writeContract({
        ...common,
        functionName: 'remove',
        args: [accounts[REMOVED]!],
      }),
    })
    const at = async (blockNumber: bigint) => (await pub.getBlock({ blockNumber })).timestamp
    const boundary = registryBoundary(await at(removal.blockNumber), {
      intervalLength: TIME.lengthS,
      gateClosure: TIME.gateClosureS,
    })
    expect(await read('activeUntil', [accounts[REMOVED]!])).toBe(boundary)
    // The first interval whose reference block (the previous gate closure) follows the request.
    const requestS = await at(requested.blockNumber)
    const noMoreBuys = (requestS + BigInt(TIME.gateClosureS)) / BigInt(TIME.lengthS) + 2n

    // Trade on past the boundary, then let the batchers drain every interval that has begun.
    const lastChecked = Number(boundary) + 4
    while (intervalAt(TIME, clock.now()) <= lastChecked + 1) await sleep(INTERVAL_REAL_MS / 2)
    const honest = nodes.map((_, i) => i).filter((i) => i !== REMOVED)
    const agreedWithTrades = () => {
      const ks = new Map<number, NetworkOutcome>()
      for (const i of honest)
        for (const [k, o] of outcomes[i]!) if (o.agreed && o.result.trades.length > 0 && k <= lastChecked) ks.set(k, o)
      return ks
    }
    const settledRoots = async () => new Map((await settledEvents()).map((e) => [Number(e.interval), e.root]))
    for (let t = 0; t < 20; t++) {
      const roots = await settledRoots()
      if ([...agreedWithTrades().keys()].every((k) => roots.has(k))) break
      await sleep(INTERVAL_REAL_MS)
    }
    const agreed = agreedWithTrades()
    const roots = await settledRoots()
    if (process.env.TEN_LOG) dumpOutcomes(process.env.TEN_LOG, outcomes, roots)
    expect(agreed.size).toBeGreaterThanOrEqual(2)
    expect([...agreed.keys()].filter((k) => k >= Number(boundary)).length).toBeGreaterThanOrEqual(1)
    // Every interval with agreed trades is settled, with the agreed root, once.
    for (const [k, o] of agreed) expect(roots.get(k), `interval ${k}`).toBe(o.result.root)
    const events = await settledEvents()
    expect(new Set(events.map((e) => e.interval)).size).toBe(events.length)
    // The agreement is what the core clears from the agreed order set with the cover the node used.
    const paid = new Map<Address, bigint>(accounts.map((a) => [a, 0n]))
    for (const [k, o] of agreed) {
      const node = honest.find((i) => outcomes[i]!.get(k)?.result.root === o.result.root)!
      const cover = covers[node]!.get(BigInt(k))
      expect(cover).toBeDefined()
      // The config defaults: k-da, k = 1/2, retail 300,000 and feed-in 80,000 per kWh.
      const params = { rule: 'k-da', k: { num: 1n, den: 2n }, retailPrice: 300_000n, feedInPrice: 80_000n } as const
      const again = clear(o.orders, { ...params, interval: BigInt(k), lengthS: TIME.lengthS, escrow: cover })
      expect(again.root, `interval ${k}`).toBe(o.result.root)
      for (const t of again.trades) {
        paid.set(getAddress(t.buyer), paid.get(getAddress(t.buyer))! - t.amount)
        paid.set(getAddress(t.seller), paid.get(getAddress(t.seller))! + t.amount)
        // The removed household trades no more from its boundary on; the withdrawer buys no more once reserved.
        if (BigInt(k) >= boundary)
          expect([t.buyer, t.seller].map((a) => getAddress(a))).not.toContain(accounts[REMOVED])
        if (BigInt(k) >= noMoreBuys) expect(getAddress(t.buyer)).not.toBe(accounts[WITHDRAWER])
      }
    }
    // Settled intervals outside the checked range change balances too: count them from the honest nodes' results.
    for (const e of events) {
      const k = Number(e.interval)
      if (agreed.has(k)) continue
      const o = honest.map((i) => outcomes[i]!.get(k)).find((x) => x?.result.root === e.root)!
      for (const t of o.result.trades) {
        paid.set(getAddress(t.buyer), paid.get(getAddress(t.buyer))! - t.amount)
        paid.set(getAddress(t.seller), paid.get(getAddress(t.seller))! + t.amount)
      }
    }
    const after = await Promise.all(accounts.map((a) => read<bigint>('balanceOf', [a])))
    expect(after.map((b, i) => b - before[i]!)).toEqual(accounts.map((a) => paid.get(a)))
    // No batch failed for lack of escrow or for the removal.
    for (const i of honest) {
      const rows = nodes[i]!.store.db.prepare('SELECT last_error FROM chain_outbox').all() as { last_error: string }[]
      expect(rows.filter((r) => /InsufficientBalance|UnregisteredAccount/.test(r.last_error ?? ''))).toEqual([])
    }
  })
})

/** One line per interval and node (agreed?, trades, root, votes): TEN_LOG=path writes it, to diagnose a run. */
function dumpOutcomes(path: string, outcomes: readonly Map<number, NetworkOutcome>[], roots: Map<number, Hex>) {
  const ks = [...new Set(outcomes.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b)
  for (const k of ks) {
    const cells = outcomes.map((m) => {
      const o = m.get(k)
      return o
        ? `${o.agreed ? 'A' : '-'}${o.result.trades.length}:${o.result.root.slice(2, 6)}:${o.votesForRoot}/${o.voters}`
        : '.'
    })
    appendFileSync(path, `${k} ${cells.join(' ')} ${roots.has(k) ? 'settled' : ''}\n`)
  }
}
