import { mkdtempSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import pino from 'pino'
import { createPublicClient, type Hex, http } from 'viem'
import { getContractEvents } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/chain/anvil.js'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { parseConfig } from '../../src/config/loadConfig.js'
import { acceleratedClock } from '../../src/core/time/clock.js'
import { intervalAt, intervalStartMs, marketTime } from '../../src/core/time/interval.js'
import { type MeterSimulator, startMeterSimulator, syntheticSource } from '../../src/meter/index.js'
import { type RunningNode, startNode } from '../../src/node/startNode.js'
import { derivePeerKey } from '../../src/p2p/createMarketNode.js'
import { devMarketSection } from '../support/devMarket.js'

const SPEED = 20
const TIME = marketTime({ lengthS: 60, gateClosureS: 40, maxSkewS: 2 })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A TCP proxy in front of the RPC that can be switched off, like a home router losing its uplink. */
async function switchableProxy(target: number): Promise<{ url: string; down: boolean; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const state = { down: false }
  const server: Server = createServer((client) => {
    if (state.down) return client.destroy()
    const upstream = connect(target, '127.0.0.1')
    sockets.add(client).add(upstream)
    client.pipe(upstream).pipe(client)
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    get down() {
      return state.down
    },
    set down(v: boolean) {
      state.down = v
      if (v) for (const s of sockets) s.destroy()
    },
    close: () => new Promise((r) => server.close(() => r())),
  }
}

describe('three default nodes (forecast-aware): meter simulators over Modbus TCP, libp2p on loopback, anvil', () => {
  let dev: DevChain
  const sims: MeterSimulator[] = []
  const nodes: RunningNode[] = []
  let proxy: Awaited<ReturnType<typeof switchableProxy>>
  const configs: ReturnType<typeof parseConfig>[] = []
  const start3 = (i: number) =>
    startNode({
      config: configs[i]!,
      privateKey: dev.households[i]!.privateKey,
      clock,
      logger: pino({ level: process.env.INT_DEBUG ? 'info' : 'silent' }),
    })
  // Tomorrow noon (UTC), so signed expiries lie ahead of the chain's real block time and the sun shines.
  const day = Math.floor(Date.now() / 86_400_000) + 1
  const start = intervalStartMs(TIME, intervalAt(TIME, day * 86_400_000 + 12 * 3_600_000))
  const clock = acceleratedClock({ startMs: start, speed: SPEED })

  beforeAll(async () => {
    // The chain's block time follows the nodes' accelerated clock: the contract pays an interval once it has begun.
    dev = await startDevChain({
      households: 3,
      clock,
      timing: { intervalLength: TIME.lengthS, gateClosure: TIME.gateClosureS },
    })
    proxy = await switchableProxy(Number(new URL(dev.rpcUrl).port))
    const ports = [await freePort(), await freePort(), await freePort()]
    const peerIds = await Promise.all(
      dev.households.map(async (h) => peerIdFromPrivateKey(await derivePeerKey(h.privateKey)).toString()),
    )
    const boot = `/ip4/127.0.0.1/tcp/${ports[0]}/p2p/${peerIds[0]}`
    for (let i = 0; i < 3; i++) {
      sims.push(
        await startMeterSimulator({
          profile: 'sdm630',
          clock,
          source: syntheticSource({ startMs: start, pvPeakW: i === 0 ? 9000 : 0 }),
        }),
      )
      const dir = mkdtempSync(join(tmpdir(), `gridlet-int-${i}-`))
      const config = parseConfig(
        {
          market: devMarketSection(dev, TIME),
          meter: { port: sims[i]!.port, pollS: 5, timeoutMs: 500 },
          p2p: { listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`], bootstrap: i === 0 ? [] : [boot], mdns: false },
          chain: { rpcUrl: i === 0 ? proxy.url : dev.rpcUrl, retryS: 0.5, pollS: 0.3 },
          // One-minute intervals carry a few Wh of household load: trade down to 1 Wh.
          strategy: { minQuantityWh: 1 },
          http: { port: 0 },
          store: { path: 'node.sqlite' },
        },
        dir,
      )
      configs.push(config)
      nodes.push(await start3(i))
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()))
    await Promise.allSettled(sims.map((s) => s.close()))
    await proxy?.close()
    await dev?.stop()
  })

  it('trade, agree and settle each interval once on chain; the seller keeps settling through an RPC outage', {
    timeout: 150_000,
  }, async () => {
    const intervalRealMs = (TIME.lengthS * 1000) / SPEED
    const settled = async () => {
      const client = createPublicClient({ chain: localChain(dev.chainId, dev.rpcUrl), transport: http(dev.rpcUrl) })
      const events = await getContractEvents(client, {
        address: dev.settlement,
        abi: settlementAbi,
        eventName: 'Settled',
        fromBlock: 0n,
      })
      return events.map((e) => e.args as { interval: bigint; root: Hex })
    }
    // Trade until two intervals are settled.
    for (let t = 0; t < 12 && (await settled()).length < 2; t++) await sleep(intervalRealMs)
    const first = await settled()
    expect(first.length).toBeGreaterThanOrEqual(2)
    for (const { interval } of first) {
      const stored = nodes.map((n) => n.store.result(Number(interval)))
      expect(stored.map((r) => r?.status)).toEqual(['queued', 'queued', 'queued'])
      expect(new Set(stored.map((r) => r?.result.root)).size).toBe(1)
      expect(stored[0]!.result.trades.length).toBeGreaterThan(0)
    }
    // Dashboards show the trades.
    const status = (await (await fetch(`${nodes[1]!.http.url}/api/status`)).json()) as {
      trades: { side: string }[]
      peers: number
    }
    expect(status.peers).toBeGreaterThanOrEqual(1)
    expect(status.trades.some((t) => t.side === 'buy')).toBe(true)

    // The seller's RPC goes away: its batches queue; the others keep settling; it catches up without double pay.
    proxy.down = true
    await sleep(3 * intervalRealMs)
    expect(nodes[0]!.node.snapshot().settlement.pending).toBeGreaterThanOrEqual(1) // queued, not lost
    proxy.down = false
    await sleep(2 * intervalRealMs)
    const all = await settled()
    const perInterval = new Map<bigint, number>()
    for (const e of all) perInterval.set(e.interval, (perInterval.get(e.interval) ?? 0) + 1)
    expect([...perInterval.values()].every((n) => n === 1)).toBe(true) // never paid twice
    expect(all.length).toBeGreaterThan(first.length)
    // The seller's backlog drains (a loaded machine may take a few intervals to send it). Only intervals that have
    // begun count: the contract pays an interval from its start, so the newest agreed one waits until then.
    const backlog = () => {
      const begun = intervalAt(TIME, clock.now()) - 1
      return nodes[0]!.store.db.prepare('SELECT state, by_us FROM chain_outbox WHERE interval < ?').all(begun)
    }
    const done = (r: Record<string, unknown>) => r.state === 'confirmed' || r.state === 'final'
    for (let t = 0; t < 12 && !backlog().every(done); t++) await sleep(intervalRealMs)
    const rows = backlog()
    expect(rows.length).toBeGreaterThan(first.length)
    expect(rows.filter((r) => !done(r))).toEqual([])
    expect(rows.some((r) => r.by_us === 0)).toBe(true) // caught up by checking, not by paying again
  })

  it('a household that drops off the market keeps its readings, rejoins and settles with the others', {
    timeout: 60_000,
  }, async () => {
    const intervalRealMs = (TIME.lengthS * 1000) / SPEED
    await nodes[2]!.stop() // power cut at house 3 (graceful here; kill -9 is the crash test's)
    await sleep(2 * intervalRealMs) // the other two keep trading (quorum 2 of 3)
    const k = intervalAt(TIME, clock.now()) - 1
    expect(nodes[0]!.store.result(k)?.status).toBe('queued')
    nodes[2] = await start3(2) // back: same store, same key, same peer id
    await sleep(4 * intervalRealMs)
    const now = intervalAt(TIME, clock.now())
    const agreed = [now - 2, now - 1].map((i) => nodes[2]!.store.result(i))
    expect(agreed.map((r) => r?.status)).toEqual(['queued', 'queued'])
    expect(agreed.map((r) => r?.result.root)).toEqual(
      [now - 2, now - 1].map((i) => nodes[0]!.store.result(i)?.result.root),
    )
    expect(nodes[2]!.node.snapshot().peers).toBeGreaterThanOrEqual(1)
  })
})
