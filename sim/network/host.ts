import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import pino from 'pino'
import { GridletError } from '../../src/core/errors.js'
import { signOrder } from '../../src/core/order/signOrder.js'
import { intervalStartMs } from '../../src/core/time/interval.js'
import { traceSource } from '../../src/meter/simulator/source.js'
import { startMeterSimulator } from '../../src/meter/simulator/startMeterSimulator.js'
import { p2pNetwork } from '../../src/node/adapters/p2pNetwork.js'
import type { NetworkOutcome } from '../../src/node/ports.js'
import { type RunningNode, startNode } from '../../src/node/startNode.js'
import type { MarketNode } from '../../src/p2p/createMarketNode.js'
import { householdAgent } from '../agent/agent.js'
import { agentDecider } from './agentDecider.js'
import { sharedClock, steppedClock } from './clocks.js'
import { connectMesh } from './connectMesh.js'
import { faultyNetwork } from './faultyNetwork.js'
import { heldDigests } from './heldDigests.js'
import { reportProgress } from './hostProgress.js'
import { householdConfig, periodTariff } from './householdConfig.js'
import { type FromHost, type HostedHousehold, type HostInit, type HostStats, MISSING, type ToHost } from './protocol.js'
import { emptyTally, type NetworkTally, reportingNetwork } from './reportingNetwork.js'

/**
 * Worker thread of network mode: runs some of the households, each as the node a home gateway runs — config ->
 * `startNode` (store, loop, HTTP API, the p2p adapter, the settlement batcher with its outbox) reading its meter over
 * Modbus TCP with the node's own meter adapter — driven by the shared simulated clock. What the simulation adds: a
 * Modbus meter simulator per household replaying its grid-side energy, the household's agent as the node's decider
 * (sim/network/agentDecider.ts), the scenario's faults as wrappers of the node's network port
 * (sim/network/faultyNetwork.ts) and a wrapper that reports to the runner (sim/network/reportingNetwork.ts).
 */
const init = workerData as HostInit & { host: number; time: SharedArrayBuffer }
const post = (m: FromHost) => parentPort?.postMessage(m)
const clock = sharedClock(init.time, init.host)
const intervalMs = init.scenario.intervalMinutes * 60_000
const s = init.scenario

interface Running {
  readonly h: number
  readonly node: RunningNode
  readonly market: MarketNode
  readonly tally: NetworkTally
  /** Digests of other households this node holds per period interval, for the runner's pacing. */
  readonly digests: () => Map<number, number> | undefined
  close(): Promise<void>
}

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
  const tally = emptyTally()
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
        return faultyNetwork(
          reportingNetwork(p2p, init.firstInterval, tally, (o) => report(hh, o)),
          {
            scenario: s,
            h: hh.h,
            firstInterval: init.firstInterval,
            sign: (o) => signOrder(ctx.privateKey, ctx.domain, o),
          },
        )
      },
      decider: () => agentDecider({ hh, agent, firstInterval: init.firstInterval, T: init.T, intervalMs }),
    },
  })
  const market = p2p?.node()
  if (!market) throw new GridletError('the p2p node of a household did not start', { code: 'SIM_NETWORK_HOST' })
  const digests = heldDigests(market, init.firstInterval)
  return {
    h: hh.h,
    node,
    market,
    tally,
    digests: () => digests,
    close: async () => {
      await node.stop()
      await sim.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const households = await Promise.all(init.households.map(startHousehold))
post({
  type: 'ready',
  addrs: households.map((r) => ({ h: r.h, addr: r.market.multiaddrs()[0]?.toString() ?? '' })),
})
const stopProgress = reportProgress(households, init, post)

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

async function stats(): Promise<HostStats> {
  const submitFailures: Record<string, number> = {}
  for (const r of households) {
    for (const [code, n] of Object.entries(r.tally.submitFailures))
      submitFailures[code] = (submitFailures[code] ?? 0) + n
  }
  const sum = (f: (r: Running) => number) => households.reduce((a, r) => a + f(r), 0)
  return {
    ordersPublished: sum((r) => r.tally.published),
    messagesValidated: sum((r) => Object.values(r.market.stats().validation).reduce((x, y) => x + y, 0)),
    bytesSent: sum((r) => r.market.stats().bytesSent),
    bytesReceived: sum((r) => r.market.stats().bytesReceived),
    measured: households.map((r) => ({ h: r.h, netWh: measured(r) })),
    meterErrors: (await Promise.all(households.map(meterFailures))).reduce((a, b) => a + b, 0),
    submitFailures,
  }
}

parentPort?.on('message', async (m: ToHost) => {
  try {
    if (m.type === 'connect') {
      const hosted = households.map((r) => ({ h: r.h, node: r.market }))
      await connectMesh(hosted, m.peers, { degree: m.degree, households: s.households.count, timeoutMs: 60_000 })
      post({ type: 'meshed' })
    } else if (m.type === 'go') {
      // The nodes run from the start; the runner's clock starts moving now.
    } else if (m.type === 'stop') {
      stopProgress()
      const st = await stats()
      await Promise.all(households.map((r) => r.close()))
      clock.stop()
      post({ type: 'stopped', stats: st })
    }
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) })
  }
})
