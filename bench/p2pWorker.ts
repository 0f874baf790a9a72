/**
 * One worker thread of the p2p benchmark (bench/p2p.ts): hosts a share of the households' nodes, dials the peers
 * the coordinator assigns, publishes its households' orders at their scheduled market times and records, on the
 * shared clock `performance.timeOrigin + performance.now()` (comparable across the threads of one process), when
 * each order was published and when each of its nodes first held each order.
 */
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { parentPort, threadId, workerData } from 'node:worker_threads'
import { multiaddr } from '@multiformats/multiaddr'
import type { VerifiedOrder } from '../src/core/order/types.js'
import { acceleratedClock } from '../src/core/time/clock.js'
import { gateClosureMs } from '../src/core/time/interval.js'
import { createMarketNode, type MarketNode } from '../src/p2p/createMarketNode.js'
import { faultInjector, seededRandom } from '../src/p2p/faults.js'
import { type Household, nodeInit, registryOf, sleep, TIME } from '../test/p2p/harness.js'

export interface WorkerInit {
  /** Every registered household; this worker runs the nodes with global indices `own`. */
  hs: Household[]
  own: number[]
  /** Clock anchor: market time `startMs` at shared real time `realStart`. */
  startMs: number
  realStart: number
  speed: number
  loss: number
  /** gossipsub options over the production defaults (`--gossip`: A/B of mesh parameters in one run). */
  gossip?: Record<string, number | boolean>
}

export type ToWorker =
  | { type: 'dial'; dials: { from: number; to: string }[] }
  | { type: 'mesh' }
  | { type: 'run'; orders: { node: number; at: number; order: VerifiedOrder }[] }
  | { type: 'finish'; last: bigint }
  | { type: 'stop' }

export interface WorkerReport {
  published: [id: string, t: number][]
  received: [id: string, node: number, t: number][]
  outcomes: [
    interval: bigint,
    node: number,
    agreed: boolean,
    root: string,
    reason: string,
    voters: number,
    votes: number,
  ][]
  bytesSent: number
  /** Validation outcomes summed over this worker's nodes (diagnostics). */
  validation: Record<string, number>
  /** Mesh peers and connected peers summed over this worker's nodes at the end (diagnostics). */
  meshPeers: number
  peers: number
}

const realNow = () => performance.timeOrigin + performance.now()
const init = workerData as WorkerInit
const port = parentPort!
const registry = registryOf(init.hs)
/**
 * Node i's clock. Real households' clocks differ (the protocol assumes within `maxSkewS`): each node's clock is
 * off the shared one by a fixed amount in ±maxSkew/2 (seeded), so their digests and results do not all leave in
 * the same millisecond, as they would not in a deployment.
 */
function clockOf(i: number) {
  const offset = (seededRandom(7000 + i)() - 0.5) * TIME.maxSkewS * 1000
  return acceleratedClock({
    startMs: init.startMs + offset + (realNow() - init.realStart) * init.speed,
    speed: init.speed,
    realNow,
  })
}
const clock = clockOf(-1)

const nodes = new Map<number, MarketNode>()
for (const i of init.own) {
  const base = nodeInit(init.hs[i]!, { clock: clockOf(i), registry })
  const node = await createMarketNode({
    ...base,
    ...(init.gossip ? { libp2p: { ...base.libp2p, gossip: init.gossip } } : {}),
    ...(init.loss > 0 ? { faults: faultInjector({ dropRate: init.loss, random: seededRandom(1000 + i) }) } : {}),
  })
  await node.start()
  nodes.set(i, node)
}

const report: WorkerReport = {
  published: [],
  received: [],
  outcomes: [],
  bytesSent: 0,
  validation: {},
  meshPeers: 0,
  peers: 0,
}
const lastOutcome = new Map<number, bigint>()
const agreedSeen = new Set<string>()
for (const [i, node] of nodes) {
  node.onOrder((o, source) => {
    if (source !== 'local') report.received.push([o.id.toLowerCase(), i, realNow()])
  })
  // A node's final word per interval: its outcome, replaced by a late confirmation if one follows.
  node.onResult((o) => {
    const key = `${o.interval}/${i}`
    if (agreedSeen.has(key)) return
    if (o.agreed) agreedSeen.add(key)
    report.outcomes.push([o.interval, i, o.agreed, o.root, o.reason ?? '', o.quorum.voters, o.quorum.votesForRoot])
    if ((lastOutcome.get(i) ?? -1n) < o.interval) lastOutcome.set(i, o.interval)
  })
}
let bytes0 = 0
port.postMessage({ type: 'addrs', addrs: [...nodes].map(([i, n]) => [i, n.multiaddrs()[0]!.toString()]) })

port.on('message', async (msg: ToWorker) => {
  switch (msg.type) {
    case 'dial':
      // A dial that still fails (a handshake starved on a loaded machine) costs one edge, not the run: the mesh
      // check below decides whether the topology is good enough.
      await Promise.all(
        msg.dials.map((d) =>
          dialWithRetry(nodes.get(d.from)!, d.to).catch((err) => console.error(`dial from ${d.from} failed: ${err}`)),
        ),
      )
      return port.postMessage({ type: 'dialed' })
    case 'mesh':
      return port.postMessage({ type: 'meshed', ok: await waitForMesh() })
    case 'run':
      bytes0 = sumBytes()
      await profiler?.start()
      for (const { node, at, order } of msg.orders) {
        void clock.sleepUntil(at).then(async () => {
          report.published.push([order.id.toLowerCase(), realNow()])
          await nodes
            .get(node)!
            .submitOrder(order)
            .catch((err) => {
              if (process.env.P2P_DEBUG) console.error(`node ${node} could not submit its order: ${err}`)
            })
        })
      }
      return port.postMessage({ type: 'running' })
    case 'finish': {
      // Wait for every node's decision on the last interval (at most 2 min after its gate closure), then a grace
      // for late confirmations.
      await clock.sleepUntil(gateClosureMs(TIME, Number(msg.last)))
      const deadline = Date.now() + 120_000
      while ([...nodes.keys()].some((i) => (lastOutcome.get(i) ?? -1n) < msg.last) && Date.now() < deadline)
        await sleep(100)
      await sleep(2000)
      report.bytesSent = sumBytes() - bytes0
      await profiler?.stop()
      for (const n of nodes.values()) {
        const st = n.stats()
        for (const [k, v] of Object.entries(st.validation)) report.validation[k] = (report.validation[k] ?? 0) + v
        report.meshPeers += st.meshPeers
        report.peers += st.peers
      }
      return port.postMessage({ type: 'report', report })
    }
    case 'stop':
      await Promise.all([...nodes.values()].map((n) => n.stop()))
      port.postMessage({ type: 'stopped' })
      return port.close()
  }
})

/**
 * With `P2P_CPU_PROFILE=<dir>`, a V8 CPU profile of this thread over the measured phase only (publishing to the
 * last decision, as `cpuMsPerNodeInterval`), written to `<dir>/p2p-<thread>.cpuprofile`: setup (key derivation,
 * Noise handshakes) would otherwise dominate a profile of the whole run.
 */
const profiler = process.env.P2P_CPU_PROFILE ? cpuProfiler(process.env.P2P_CPU_PROFILE) : undefined

function cpuProfiler(dir: string) {
  const session = new Session()
  return {
    async start() {
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.start')
    },
    async stop() {
      const { profile } = await session.post('Profiler.stop')
      await writeFile(join(dir, `p2p-${threadId}.cpuprofile`), JSON.stringify(profile))
      session.disconnect()
    },
  }
}

function sumBytes(): number {
  return [...nodes.values()].reduce((s, n) => s + n.stats().bytesSent, 0)
}

/**
 * Dials with retries: on a loaded 2-core machine (other jobs running, load average 20 seen) a Noise handshake can
 * time out several times in a row.
 */
async function dialWithRetry(from: MarketNode, to: string, attempts = 12): Promise<void> {
  for (let a = 1; ; a++) {
    try {
      await from.libp2p.dial(multiaddr(to))
      return
    } catch (err) {
      if (a >= attempts) throw err
      await sleep(500 * Math.min(a, 6))
    }
  }
}

/** Until every node here has two mesh peers and a bound household among its connections. */
async function waitForMesh(timeoutMs = 60_000): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if ([...nodes.values()].every((n) => n.stats().meshPeers >= 2 && n.stats().boundPeers >= 1)) return true
    await sleep(100)
  }
  return false
}
