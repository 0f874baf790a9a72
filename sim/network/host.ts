import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { multiaddr } from '@multiformats/multiaddr'
import pino from 'pino'
import { GridletError } from '../../src/core/errors.js'
import type { VerifiedOrder } from '../../src/core/order/types.js'
import { intervalStartMs } from '../../src/core/time/interval.js'
import { traceSource } from '../../src/meter/simulator/source.js'
import { startMeterSimulator } from '../../src/meter/simulator/startMeterSimulator.js'
import { p2pNetwork } from '../../src/node/adapters/p2pNetwork.js'
import type { MarketNetwork, NetworkOutcome } from '../../src/node/ports.js'
import { type RunningNode, startNode } from '../../src/node/startNode.js'
import type { MarketNode } from '../../src/p2p/createMarketNode.js'
import { householdAgent } from '../agent/agent.js'
import { agentDecider } from './agentDecider.js'
import { sharedClock, steppedClock } from './clocks.js'
import { heldDigests } from './heldDigests.js'
import { householdConfig, periodTariff } from './householdConfig.js'
import { type FromHost, type HostedHousehold, type HostInit, type HostStats, MISSING, type ToHost } from './protocol.js'

/**
 * Worker thread of network mode: runs some of the households, each as the node a home gateway runs — config ->
 * `startNode` (store, loop, HTTP API, the p2p adapter, the settlement batcher with its outbox) reading its meter over
 * Modbus TCP with the node's own meter adapter — driven by the shared simulated clock. What the simulation adds: a
 * Modbus meter simulator per household replaying its grid-side energy, the household's agent as the node's decider
 * (sim/network/agentDecider.ts) and a wrapper around the network port that reports to the runner.
 */
const init = workerData as HostInit & { host: number; time: SharedArrayBuffer }
const post = (m: FromHost) => parentPort?.postMessage(m)
const clock = sharedClock(init.time, init.host)
const intervalMs = init.scenario.intervalMinutes * 60_000
const s = init.scenario

interface Running {
  readonly hh: HostedHousehold
  readonly node: RunningNode
  readonly p2p: () => MarketNode | undefined
  readonly published: { n: number }
  /** Orders this node holds per period interval (its own and its peers'), for the runner's pacing. */
  readonly held: Map<number, Set<string>>
  /** Digests of other households this node holds per period interval, for the runner's pacing. */
  readonly digests: () => Map<number, number> | undefined
  close(): Promise<void>
}

let submitFailures: Record<string, number> = {}
// Results: every node's root; the first agreed result per interval in this host also carries trades and orders.
const fullSent = new Set<number>()

function report(hh: HostedHousehold, o: NetworkOutcome): void {
  const k = o.interval - init.firstInterval
  if (k < 0 || k >= init.T) return
  const withTrades = o.agreed && !fullSent.has(k)
  if (withTrades) fullSent.add(k)
  const trades = withTrades ? [...o.result.trades] : []
  const used = new Set(trades.flatMap((t) => [t.buyId.toLowerCase(), t.sellId.toLowerCase()]))
  const full = {
    trades,
    orders: o.orders.filter((x) => used.has(x.id.toLowerCase())),
    ...(o.result.clearingPrice === undefined ? {} : { clearingPrice: o.result.clearingPrice }),
  }
  post({
    type: 'result',
    result: {
      h: hh.h,
      k,
      root: o.result.root,
      agreed: o.agreed,
      ...(o.reason ? { reason: o.reason } : {}),
      ...(withTrades ? { full } : {}),
    },
  })
}

/** The node's own p2p adapter, wrapped to tell the runner what the node published, holds and concluded. */
function reporting(
  hh: HostedHousehold,
  inner: MarketNetwork,
  published: { n: number },
  held: Map<number, Set<string>>,
) {
  const hold = (o: VerifiedOrder) => {
    const k = Number(o.order.interval) - init.firstInterval
    const ids = held.get(k) ?? new Set()
    held.set(k, ids.add(o.id))
  }
  const wrapped: MarketNetwork = {
    start: () => inner.start(),
    stop: () => inner.stop(),
    async publishOrder(order) {
      try {
        await inner.publishOrder(order)
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'OTHER'
        submitFailures = { ...submitFailures, [code]: (submitFailures[code] ?? 0) + 1 }
        throw err
      }
      const v = order as VerifiedOrder
      if (!held.get(Number(v.order.interval) - init.firstInterval)?.has(v.id)) published.n++
      hold(v)
    },
    onOrder: (h) =>
      inner.onOrder((o) => {
        hold(o)
        h(o)
      }),
    onOutcome: (h) =>
      inner.onOutcome((o) => {
        report(hh, o)
        h(o)
      }),
    peerCount: () => inner.peerCount(),
  }
  return wrapped
}

async function startHousehold(hh: HostedHousehold): Promise<Running> {
  const sim = await startMeterSimulator({
    profile: init.meterProfile,
    transport: 'tcp',
    port: 0,
    clock: steppedClock(clock, intervalMs),
    source: traceSource({
      startMs: intervalStartMs(init.marketTime, init.firstInterval),
      intervalMs,
      importWh: hh.importWh,
      exportWh: hh.exportWh,
      loop: false,
    }),
  })
  const dir = mkdtempSync(join(tmpdir(), `gridlet-sim-${hh.h}-`))
  const config = householdConfig(init, sim.port, dir)
  const published = { n: 0 }
  const held = new Map<number, Set<string>>()
  let p2p: ReturnType<typeof p2pNetwork> | undefined
  const agent = householdAgent({
    scenario: s,
    h: hh.h,
    hasPv: hh.hasPv,
    firstInterval: init.firstInterval,
    warmup: hh.warmup.length,
    // The household plans with its node's tariff (from its config), interval by interval.
    ...periodTariff(config, init),
  })
  const node = await startNode({
    config,
    privateKey: hh.privateKey,
    clock,
    logger: pino({ level: process.env.SIM_NODE_LOG ?? 'silent' }),
    adapters: {
      network: (ctx) => {
        p2p = p2pNetwork({
          privateKey: ctx.privateKey,
          domain: ctx.domain,
          market: ctx.market,
          time: ctx.time,
          clock,
          config,
          households: init.accounts,
          timing: init.timing,
          libp2p: { inboundConnectionThreshold: 10_000 },
        })
        return reporting(hh, p2p, published, held)
      },
      decider: () => agentDecider({ scenario: s, hh, agent, firstInterval: init.firstInterval, T: init.T, intervalMs }),
    },
  })
  const market = p2p?.node()
  const digests = market && heldDigests(market, init.firstInterval)
  return {
    hh,
    node,
    p2p: () => p2p?.node(),
    digests: () => digests,
    published,
    held,
    close: async () => {
      await node.stop()
      await sim.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const households = await Promise.all(init.households.map(startHousehold))
const marketNode = (r: Running): MarketNode => {
  const n = r.p2p()
  if (!n) throw new GridletError('the p2p node of a household did not start', { code: 'SIM_NETWORK_HOST' })
  return n
}
post({
  type: 'ready',
  addrs: households.map((r) => ({ h: r.hh.h, addr: marketNode(r).multiaddrs()[0]?.toString() ?? '' })),
})

/**
 * Tells the runner, per household and interval, once the node has decided and published all its orders of it (the
 * store says so), and the fewest orders any node of this host holds per interval.
 */
const decidedUpTo = households.map(() => 0)
const reportedMin = new Map<number, number>()
const reportedDigests = new Map<number, number>()
let polls = 0
// Polled, not per message: a few store queries per household and poll, so 25 nodes per thread stay cheap.
const progress = setInterval(() => {
  households.forEach((r, i) => {
    for (let k = decidedUpTo[i]!; k < init.T; k++) {
      const interval = init.firstInterval + k
      if (!r.node.store.hasDecision(interval)) break
      const own = r.node.store.ownOrders(interval)
      if (own.some((o) => o.publishedMs === null)) break
      post({ type: 'decided', h: r.hh.h, k, published: own.length })
      decidedUpTo[i] = k + 1
    }
  })
  const from = Math.max(0, Math.min(...decidedUpTo) - 2)
  for (let k = from; k < Math.min(init.T, Math.max(...decidedUpTo)); k++) {
    const min = Math.min(...households.map((r) => r.held.get(k)?.size ?? 0))
    if (min > (reportedMin.get(k) ?? 0)) {
      reportedMin.set(k, min)
      post({ type: 'orders', k, min })
    }
  }
  for (let k = from; k < Math.min(init.T, Math.max(...decidedUpTo) + 1); k++) {
    const min = Math.min(...households.map((r) => r.digests()?.get(k) ?? 0))
    if (min > (reportedDigests.get(k) ?? 0)) {
      reportedDigests.set(k, min)
      post({ type: 'digests', k, min })
    }
  }
  const last = init.firstInterval + init.T - 1
  if (++polls % 10 === 0 && households.every((r) => r.node.store.recentSummaries(1)[0]?.interval === last)) {
    clearInterval(progress)
    post({ type: 'finished' })
  }
}, 50)

async function dial(from: MarketNode, addr: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await from.libp2p.dial(multiaddr(addr))
      return
    } catch (err) {
      if (attempt >= 4) throw err
      await new Promise((res) => setTimeout(res, 200 * attempt))
    }
  }
}

async function waitForMesh(timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  const want = Math.min(2, s.households.count - 1)
  const ok = (r: Running) => marketNode(r).stats().meshPeers >= want && marketNode(r).stats().boundPeers >= 1
  while (Date.now() < until) {
    if (households.every(ok)) return
    await new Promise((res) => setTimeout(res, 100))
  }
  throw new GridletError('gossip mesh not formed', {
    code: 'SIM_NETWORK_MESH',
    details: households.map((r) => marketNode(r).stats().meshPeers).join(','),
  })
}

function measured(r: Running): Int32Array {
  const out = new Int32Array(init.T).fill(MISSING)
  for (const sm of r.node.store.recentSummaries(init.T + 8)) {
    const k = sm.interval - init.firstInterval
    if (k >= 0 && k < init.T && sm.measuredNetWh !== null) out[k] = -sm.measuredNetWh
  }
  return out
}

async function meterFailures(r: Running): Promise<number> {
  const m = await r.node.registry.getSingleMetric('gridlet_meter_read_failures_total')?.get()
  return (m?.values ?? []).reduce((a, v) => a + v.value, 0)
}

parentPort?.on('message', async (m: ToHost) => {
  try {
    if (m.type === 'connect') {
      const byH = new Map(m.peers.map((p) => [p.h, p.addr]))
      const n = m.peers.length
      await Promise.all(
        households.map(async (r) => {
          // Ring plus chords: h-1, h-2, h-4, ... (mod n), so the graph is connected with a small diameter.
          const targets = new Set<number>()
          for (let d = 1; targets.size < Math.min(m.degree, n - 1) && d < n; d *= 2) targets.add((r.hh.h - d + n) % n)
          for (const t of targets) await dial(marketNode(r), byH.get(t) as string)
        }),
      )
      await waitForMesh(60_000)
      post({ type: 'meshed' })
    } else if (m.type === 'go') {
      // The nodes run from the start; the runner's clock starts moving now.
    } else if (m.type === 'stop') {
      clearInterval(progress)
      const stats: HostStats = {
        ordersPublished: households.reduce((a, r) => a + r.published.n, 0),
        messagesValidated: households.reduce(
          (a, r) => a + Object.values(marketNode(r).stats().validation).reduce((x, y) => x + y, 0),
          0,
        ),
        bytesSent: households.reduce((a, r) => a + marketNode(r).stats().bytesSent, 0),
        bytesReceived: households.reduce((a, r) => a + marketNode(r).stats().bytesReceived, 0),
        measured: households.map((r) => ({ h: r.hh.h, netWh: measured(r) })),
        meterErrors: (await Promise.all(households.map(meterFailures))).reduce((a, b) => a + b, 0),
        submitFailures,
      }
      await Promise.all(households.map((r) => r.close()))
      clock.stop()
      post({ type: 'stopped', stats })
    }
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) })
  }
})
