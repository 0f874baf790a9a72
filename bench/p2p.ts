/**
 * P2P market benchmark: N households on loopback (one process), each sends one buy or sell order per interval
 * for >= 20 intervals. Reports p50/p99 propagation latency (publish -> every node holds the order), the share
 * of intervals on which every node reported the same agreed result root, bytes sent per node per interval
 * (raw TCP, all protocols) and peak RSS per node (process RSS / N: all nodes share this process).
 *
 *   npm run bench:p2p                     # 10 and 50 nodes, with and without 10% loss
 *   npm run bench:p2p -- --json           # one JSON object per line
 *   npm run bench:p2p -- --nodes 10 --intervals 20
 */
import { Side } from '../src/core/order/types.js'
import { gateClosureMs } from '../src/core/time/interval.js'
import type { IntervalOutcome } from '../src/p2p/createMarketNode.js'
import { faultInjector, seededRandom } from '../src/p2p/faults.js'
import { makeOrder, type Net, startNet, TIME, testClock, upcomingInterval } from '../test/p2p/harness.js'

interface CaseResult {
  bench: 'p2p'
  case: string
  nodes: number
  intervals: number
  p50Ms: number
  p99Ms: number
  agreement: number
  bytesPerNodeInterval: number
  rssMb: number
  /** CPU time of the whole process per node per interval: what one household's node spends. */
  cpuMsPerNodeInterval: number
  undelivered: number
}

const args = process.argv.slice(2)
const json = args.includes('--json')
const arg = (name: string) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const nodeCounts = (arg('--nodes') ?? '10,50').split(',').map(Number)
const intervals = Number(arg('--intervals') ?? 20)

async function runCase(n: number, loss: number): Promise<CaseResult> {
  // One interval is 60 s of market time; the clock runs so that one interval takes 4 s (10 nodes) or 20 s
  // (50 nodes) of real time: all nodes share this process (one core) for every signature and every copy.
  const speed = n > 20 ? 3 : 15
  const net: Net = await startNet({
    n,
    degree: n > 20 ? 5 : 4,
    clock: testClock(speed),
    ...(loss > 0 ? { faults: (i: number) => faultInjector({ dropRate: loss, random: seededRandom(1000 + i) }) } : {}),
  })
  const { clock, nodes, hs } = net
  let peakRss = process.memoryUsage().rss
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }, 200)

  const published = new Map<string, { t0: number; holders: Set<number>; last: number }>()
  for (const [i, node] of nodes.entries()) {
    node.onOrder((o) => {
      const p = published.get(o.id.toLowerCase())
      if (!p || p.holders.has(i)) return
      p.holders.add(i)
      p.last = performance.now()
    })
  }
  // Each node's final word per interval: its outcome, replaced by a late confirmation if one follows.
  const outcomes = new Map<bigint, Map<number, IntervalOutcome>>()
  for (const [j, node] of nodes.entries()) {
    node.onResult((o) => {
      const byNode = outcomes.get(o.interval) ?? new Map<number, IntervalOutcome>()
      if (!byNode.get(j)?.agreed) byNode.set(j, o)
      outcomes.set(o.interval, byNode)
    })
  }

  const k0 = upcomingInterval(clock, 20_000)
  const bytes0 = nodes.reduce((s, x) => s + x.stats().bytesSent, 0)
  const cpu0 = process.cpuUsage()
  const random = seededRandom(n * 7 + Math.round(loss * 100))
  const submissions: Promise<unknown>[] = []
  for (let i = 0; i < intervals; i++) {
    const k = k0 + BigInt(i)
    const open = Math.max(clock.now(), gateClosureMs(TIME, Number(k) - 1))
    const spread = (gateClosureMs(TIME, Number(k)) - open) * 0.6
    hs.forEach((h, j) => {
      const at = open + random() * spread
      const side = (i + j) % 2 === 0 ? Side.Sell : Side.Buy
      const price =
        side === Side.Sell
          ? 90_000n + BigInt(Math.floor(random() * 60_000))
          : 120_000n + BigInt(Math.floor(random() * 60_000))
      const order = makeOrder(h, k, side, 200n + BigInt(Math.floor(random() * 800)), price)
      submissions.push(
        clock.sleepUntil(at).then(async () => {
          published.set(order.id.toLowerCase(), {
            t0: performance.now(),
            holders: new Set([j]),
            last: performance.now(),
          })
          await nodes[j]!.submitOrder(order).catch(() => {})
        }),
      )
    })
    await clock.sleepUntil(gateClosureMs(TIME, Number(k)))
  }
  await Promise.all(submissions)
  const last = k0 + BigInt(intervals - 1)
  // Wait for every node's decision on the last interval (and a grace for late confirmations).
  const deadline = Date.now() + 120_000
  while ((outcomes.get(last)?.size ?? 0) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  await new Promise((r) => setTimeout(r, 2000))
  const bytes = nodes.reduce((s, x) => s + x.stats().bytesSent, 0) - bytes0
  const cpu = process.cpuUsage(cpu0)
  clearInterval(rssTimer)
  await net.stop()

  const latencies: number[] = []
  let undelivered = 0
  for (const p of published.values()) {
    if (p.holders.size === n) latencies.push(p.last - p.t0)
    else undelivered++
  }
  latencies.sort((a, b) => a - b)
  let agreedIntervals = 0
  for (let i = 0; i < intervals; i++) {
    const finals = [...(outcomes.get(k0 + BigInt(i))?.values() ?? [])]
    if (finals.length === n && finals.every((o) => o.agreed && o.root === finals[0]!.root)) agreedIntervals++
  }
  return {
    bench: 'p2p',
    case: `${n}-nodes${loss > 0 ? `-loss${Math.round(loss * 100)}` : ''}`,
    nodes: n,
    intervals,
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
    agreement: agreedIntervals / intervals,
    bytesPerNodeInterval: Math.round(bytes / n / intervals),
    rssMb: round(peakRss / n / 2 ** 20),
    cpuMsPerNodeInterval: round((cpu.user + cpu.system) / 1000 / n / intervals),
    undelivered,
  }
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

const round = (x: number) => Math.round(x * 10) / 10

const results: CaseResult[] = []
for (const n of nodeCounts) {
  for (const loss of [0, 0.1]) {
    const r = await runCase(n, loss)
    results.push(r)
    if (json) console.log(JSON.stringify(r))
    else console.error(`done ${r.case}`)
  }
}
if (!json) {
  console.log(
    'case              p50 ms   p99 ms   agreement   bytes/node/interval   RSS MB/node   CPU ms/node/interval   undelivered',
  )
  for (const r of results) {
    console.log(
      `${r.case.padEnd(16)} ${String(r.p50Ms).padStart(7)}  ${String(r.p99Ms).padStart(7)}   ${(r.agreement * 100).toFixed(1).padStart(8)}%   ${String(r.bytesPerNodeInterval).padStart(19)}   ${String(r.rssMb).padStart(11)}   ${String(r.cpuMsPerNodeInterval).padStart(20)}   ${String(r.undelivered).padStart(11)}`,
    )
  }
  console.log('targets at 50 nodes: p99 < 300 ms, agreement 100% (99% with 10% loss), < 120 MB RSS per node')
}
