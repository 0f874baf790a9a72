import { parentPort, workerData } from 'node:worker_threads'
import type { Address } from 'viem'
import { signOrder } from '../../src/core/order/signOrder.js'
import { intervalAt, intervalStartMs } from '../../src/core/time/interval.js'
import { createLink, openMeter } from '../../src/meter/index.js'
import { traceSource } from '../../src/meter/simulator/source.js'
import { startMeterSimulator } from '../../src/meter/simulator/startMeterSimulator.js'
import { createMarketNode, type MarketNode } from '../../src/p2p/createMarketNode.js'
import { faultAt, forecastAt, limitPriceFor, orderQuantity } from '../agent/policy.js'
import { marketContext, orderFor } from '../market/context.js'
import { sharedClock, steppedClock } from './clocks.js'
import { type FromHost, type HostedHousehold, type HostInit, type HostStats, MISSING, type ToHost } from './protocol.js'

/**
 * Worker thread of network mode: runs some of the households, each as a real stack — a Modbus TCP meter simulator
 * replaying the household's grid-side energy, a Modbus reader, and a libp2p market node — plus the household's
 * decision loop: before each gate closure it reads its meter over Modbus, forecasts, signs and publishes its order.
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
  readonly history: Int32Array
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
    listen: ['/ip4/127.0.0.1/tcp/0'],
    timing: init.timing,
    libp2p: { inboundConnectionThreshold: 10_000 },
  })
  await node.start()
  // What the node forecasts from (a missed reading counts as 0), and what it measured (for the run's checks).
  const history = new Int32Array(hh.warmup.length + init.T)
  history.set(hh.warmup)
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
    history,
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
        const net = reading.importEnergyWh - last.imp - (reading.exportEnergyWh - last.exp)
        r.history[r.hh.warmup.length + last.k] = net
        r.measured[last.k] = net
      }
      last = { k, imp: reading.importEnergyWh, exp: reading.exportEnergyWh }
    } catch {
      meterErrors++
    }
  }
}

async function runHousehold(r: Running): Promise<void> {
  const s = init.scenario
  const track = meterTracker(r)
  const warm = r.hh.warmup.length
  // Households decide for interval k early in interval k-1 (staggered, so 50 nodes do not publish in one burst):
  // the meter then shows the counters at the start of k-1, and the order has most of an interval to spread.
  const stagger = ((r.hh.h % 16) / 16) * init.decideSpreadMs
  const reads: Promise<void>[] = []
  for (let k = 0; k < init.T && !abort.signal.aborted; k++) {
    await clock.sleepUntil(intervalStartMs(init.marketTime, init.firstInterval + k - 1) + 1 + stagger, abort.signal)
    // Day-ahead decisions use readings a day old: a slow Modbus reply must not make this interval's order late.
    reads.push(track())
    const view = s.households.forecast === 'perfect' && r.hh.oracle ? withOracle(r, warm) : r.history
    const q = orderQuantity(forecastAt(s.households.forecast, view, warm + k, perDay), s.households.strategy)
    if (q === 0 || faultAt(s, 'offline', r.hh.h, k)) {
      post({ type: 'decided', h: r.hh.h, k, published: false })
      continue
    }
    const limit = limitPriceFor(
      s.households.strategy,
      s.seed,
      r.hh.h,
      k,
      q > 0,
      init.retail[k] as number,
      init.feedIn[k] as number,
    )
    const order = orderFor(ctx, r.hh.h, k, q, limit)
    try {
      await r.node.submitOrder(signOrder(r.hh.privateKey, init.domain, order))
      r.published++
      post({ type: 'decided', h: r.hh.h, k, published: true })
    } catch (err) {
      // A refused or late order is the network's outcome too: the interval clears without it, on every node.
      const code = (err as { code?: string }).code ?? 'OTHER'
      submitFailures[code] = (submitFailures[code] ?? 0) + 1
      post({ type: 'decided', h: r.hh.h, k, published: false })
    }
  }
  // The last decision read falls in interval T-2: reads in T-1 and T complete the measurement of the period.
  for (const k of [init.T - 1, init.T]) {
    await clock.sleepUntil(intervalStartMs(init.marketTime, init.firstInterval + k) + 1, abort.signal)
    await Promise.all(reads)
    await track()
  }
}

function withOracle(r: Running, warm: number): Int32Array {
  const v = new Int32Array(r.history.length)
  v.set(r.hh.warmup)
  v.set(r.hh.oracle as Int32Array, warm)
  return v
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
