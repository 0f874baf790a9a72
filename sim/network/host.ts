import { parentPort, workerData } from 'node:worker_threads'
import type { Address } from 'viem'
import { signOrder } from '../../src/core/order/signOrder.js'
import { intervalAt, intervalStartMs } from '../../src/core/time/interval.js'
import { createLink, openMeter } from '../../src/meter/index.js'
import { traceSource } from '../../src/meter/simulator/source.js'
import { startMeterSimulator } from '../../src/meter/simulator/startMeterSimulator.js'
import { createMarketNode, type MarketNode } from '../../src/p2p/createMarketNode.js'
import {
  exportOf,
  faultAt,
  type HouseholdAgent,
  householdAgent,
  importOf,
  MAX_ORDERS_PER_INTERVAL,
  PLAN_LAG,
  type PlannedOrder,
  planDays,
} from '../agent/agent.js'
import { marketContext, orderFor } from '../market/context.js'
import { sharedClock, steppedClock } from './clocks.js'
import { type FromHost, type HostedHousehold, type HostInit, type HostStats, MISSING, type ToHost } from './protocol.js'

/**
 * Worker thread of network mode: runs some of the households, each as a real stack — a Modbus TCP meter simulator
 * replaying the household's grid-side energy, a Modbus reader, and a libp2p market node — plus the household's
 * decision loop: it reads its meter over Modbus every interval, feeds the readings to its forecaster, plans each day
 * with its strategy (sim/agent/agent.ts, as fast mode does) and before each gate closure signs and publishes the
 * orders of the interval.
 */
const init = workerData as HostInit & { host: number; time: SharedArrayBuffer }
const post = (m: FromHost) => parentPort?.postMessage(m)
const clock = sharedClock(init.time, init.host)
const intervalMs = init.scenario.intervalMinutes * 60_000
const perDay = 86_400_000 / intervalMs
const ctx = marketContext(init.scenario, init.firstInterval, init.domain.verifyingContract, init.accounts)
const registrySet = new Set<Address>(init.accounts)
const registry = { size: registrySet.size, has: (a: Address) => registrySet.has(a) }
const abort = new AbortController()

interface Running {
  readonly hh: HostedHousehold
  readonly node: MarketNode
  readonly read: () => Promise<{ importEnergyWh: number; exportEnergyWh: number }>
  readonly close: () => Promise<void>
  readonly agent: HouseholdAgent
  /** Import and export per period interval as read over Modbus (NaN: not measured). */
  readonly importWh: Float64Array
  readonly exportWh: Float64Array
  readonly measured: Int32Array
  published: number
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
  const link = createLink({ transport: 'tcp', host: '127.0.0.1', port: sim.port as number })
  const meter = openMeter(link, { profile: init.meterProfile, clock, timeoutMs: 5000 })
  const node = await createMarketNode({
    privateKey: hh.privateKey,
    domain: init.domain,
    market: init.market,
    marketTime: init.marketTime,
    clock,
    registry,
    clearing: {
      rule: init.scenario.market.rule,
      k: { num: BigInt(init.scenario.market.k.num), den: BigInt(init.scenario.market.k.den) },
      retailPrice: BigInt(init.retail[0] as number),
      feedInPrice: BigInt(init.feedIn[0] as number),
    },
    maxOrdersPerInterval: MAX_ORDERS_PER_INTERVAL,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    timing: init.timing,
    libp2p: { inboundConnectionThreshold: 10_000 },
  })
  await node.start()
  const agent = householdAgent({
    scenario: init.scenario,
    h: hh.h,
    hasPv: hh.hasPv,
    firstInterval: init.firstInterval,
    warmup: hh.warmup.length,
    retail: init.retail,
    feedIn: init.feedIn,
  })
  // What the node forecasts from (a missed reading is NaN: no reading), and what it measured (for the run's checks).
  const importWh = new Float64Array(init.T).fill(Number.NaN)
  const exportWh = new Float64Array(init.T).fill(Number.NaN)
  const measured = new Int32Array(init.T).fill(MISSING)
  return {
    hh,
    node,
    read: () => meter.read({ signal: abort.signal }),
    close: async () => {
      await node.stop()
      await link.close()
      await sim.close()
    },
    agent,
    importWh,
    exportWh,
    measured,
    published: 0,
  }
}

const households = await Promise.all(init.households.map(startHousehold))
post({ type: 'ready', addrs: households.map((r) => ({ h: r.hh.h, addr: r.node.multiaddrs()[0]?.toString() ?? '' })) })

// Results: every node's root; the first agreed result per interval in this host also carries trades and orders.
const fullSent = new Set<number>()
for (const r of households) {
  r.node.onResult((o) => {
    const k = Number(o.interval) - init.firstInterval
    if (k < 0 || k >= init.T) return
    const withTrades = o.agreed && !fullSent.has(k)
    if (withTrades) fullSent.add(k)
    const trades = withTrades ? [...o.result.trades] : []
    const used = new Set(trades.flatMap((t) => [t.buyId.toLowerCase(), t.sellId.toLowerCase()]))
    post({
      type: 'result',
      result: {
        h: r.hh.h,
        k,
        root: o.root,
        agreed: o.agreed,
        ...(o.reason ? { reason: o.reason } : {}),
        ...(withTrades
          ? {
              full: {
                trades,
                orders: o.orders.filter((x) => used.has(x.id.toLowerCase())),
                ...(o.result.clearingPrice === undefined ? {} : { clearingPrice: o.result.clearingPrice }),
              },
            }
          : {}),
      },
    })
  })
}

/** Orders each node holds per interval; the host reports the minimum over its nodes so the runner can pace time. */
const held = households.map(() => new Map<number, number>())
const reportedMin = new Map<number, number>()
households.forEach((r, i) => {
  r.node.onOrder((o) => {
    const k = Number(o.order.interval) - init.firstInterval
    const mine = held[i] as Map<number, number>
    mine.set(k, (mine.get(k) ?? 0) + 1)
    const min = Math.min(...held.map((m) => m.get(k) ?? 0))
    if (min > (reportedMin.get(k) ?? 0)) {
      reportedMin.set(k, min)
      post({ type: 'orders', k, min })
    }
  })
})

let meterErrors = 0
let ambiguousReads = 0
const submitFailures: Record<string, number> = {}

/** Reads the meter and books the energy of the interval(s) completed since the last read. */
function meterTracker(r: Running) {
  let last: { k: number; imp: number; exp: number } | undefined
  return async () => {
    try {
      // The meter's registers step at interval boundaries: a read that straddles one is ambiguous and not used.
      const before = intervalAt(init.marketTime, clock.now())
      const reading = await r.read()
      if (intervalAt(init.marketTime, clock.now()) !== before) {
        ambiguousReads++
        last = undefined
        return
      }
      const k = before - init.firstInterval // the counters as of this interval's start
      if (last && k === last.k + 1 && last.k >= 0 && last.k < init.T) {
        r.importWh[last.k] = reading.importEnergyWh - last.imp
        r.exportWh[last.k] = reading.exportEnergyWh - last.exp
        r.measured[last.k] = (r.importWh[last.k] as number) - (r.exportWh[last.k] as number)
      }
      last = { k, imp: reading.importEnergyWh, exp: reading.exportEnergyWh }
    } catch {
      meterErrors++
    }
  }
}

/** Feeds the agent every reading older than `PLAN_LAG` intervals before period interval `k0`, and plans its day. */
function planDay(r: Running, k0: number, horizon: number, fed: { j: number }): PlannedOrder[][] {
  const warm = r.hh.warmup.length
  for (; fed.j < warm + k0 - PLAN_LAG; fed.j++) {
    const j = fed.j
    if (j < warm) r.agent.observe(j, importOf(r.hh.warmup[j]!), exportOf(r.hh.warmup[j]!))
    else r.agent.observe(j, r.importWh[j - warm]!, r.exportWh[j - warm]!)
  }
  const day = r.hh.oracle?.subarray(k0, k0 + horizon)
  const planned = r.agent.plan(k0, horizon, day && { importWh: day.map(importOf), exportWh: day.map(exportOf) })
  const byK: PlannedOrder[][] = Array.from({ length: horizon }, () => [])
  for (const o of planned) byK[o.k - k0]?.push(o)
  return byK
}

async function runHousehold(r: Running): Promise<void> {
  const s = init.scenario
  const track = meterTracker(r)
  const days = new Map(planDays(init.T, perDay).map((d) => [d.k0, d.horizon]))
  const fed = { j: 0 }
  let today: PlannedOrder[][] = []
  let k0 = 0
  // Households decide for interval k early in interval k-1 (staggered, so 50 nodes do not publish in one burst):
  // the meter then shows the counters at the start of k-1, and the orders have most of an interval to spread.
  const stagger = ((r.hh.h % 16) / 16) * init.decideSpreadMs
  const reads: Promise<void>[] = []
  for (let k = 0; k < init.T && !abort.signal.aborted; k++) {
    await clock.sleepUntil(intervalStartMs(init.marketTime, init.firstInterval + k - 1) + 1 + stagger, abort.signal)
    // A day is planned from readings at least PLAN_LAG intervals old: all read an interval ago or earlier, so
    // waiting for those reads costs nothing, and the read started now cannot make this interval's orders late.
    const earlier = Promise.all(reads)
    reads.push(track())
    const horizon = days.get(k)
    if (horizon !== undefined) {
      await earlier
      today = planDay(r, k, horizon, fed)
      k0 = k
    }
    const orders = faultAt(s, 'offline', r.hh.h, k) ? [] : (today[k - k0] ?? [])
    let published = 0
    for (const [nonce, p] of orders.entries()) {
      const order = orderFor(ctx, r.hh.h, k, p.side, p.quantityWh, p.limitPrice, nonce)
      try {
        await r.node.submitOrder(signOrder(r.hh.privateKey, init.domain, order))
        published++
      } catch (err) {
        // A refused or late order is the network's outcome too: the interval clears without it, on every node.
        const code = (err as { code?: string }).code ?? 'OTHER'
        submitFailures[code] = (submitFailures[code] ?? 0) + 1
      }
    }
    r.published += published
    post({ type: 'decided', h: r.hh.h, k, published })
  }
  // The last decision read falls in interval T-2: reads in T-1 and T complete the measurement of the period.
  for (const k of [init.T - 1, init.T]) {
    await clock.sleepUntil(intervalStartMs(init.marketTime, init.firstInterval + k) + 1, abort.signal)
    await Promise.all(reads)
    await track()
  }
}

async function dial(from: MarketNode, addr: string): Promise<void> {
  const { multiaddr } = await import('@multiformats/multiaddr')
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
  const want = Math.min(2, init.scenario.households.count - 1)
  while (Date.now() < until) {
    if (households.every((r) => r.node.stats().meshPeers >= want && r.node.stats().boundPeers >= 1)) return
    await new Promise((res) => setTimeout(res, 100))
  }
  throw new Error(`gossip mesh not formed: ${households.map((r) => r.node.stats().meshPeers).join(',')}`)
}

let loops: Promise<void>[] = []
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
          for (const t of targets) await dial(r.node, byH.get(t) as string)
        }),
      )
      await waitForMesh(60_000)
      post({ type: 'meshed' })
    } else if (m.type === 'go') {
      loops = households.map((r) => runHousehold(r).catch(() => {}))
      void Promise.all(loops).then(() => post({ type: 'finished' }))
    } else if (m.type === 'stop') {
      abort.abort()
      await Promise.all(loops)
      const stats: HostStats = {
        ordersPublished: households.reduce((a, r) => a + r.published, 0),
        messagesValidated: households.reduce(
          (a, r) => a + Object.values(r.node.stats().validation).reduce((x, y) => x + y, 0),
          0,
        ),
        bytesSent: households.reduce((a, r) => a + r.node.stats().bytesSent, 0),
        bytesReceived: households.reduce((a, r) => a + r.node.stats().bytesReceived, 0),
        measured: households.map((r) => ({ h: r.hh.h, netWh: r.measured })),
        meterErrors,
        ambiguousReads,
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
