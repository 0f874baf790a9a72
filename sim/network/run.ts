import type { Worker } from 'node:worker_threads'
import { type Address, createPublicClient, type Hex, http } from 'viem'
import { getContractEvents, getTransactionReceipt, readContract } from 'viem/actions'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'
import { followClock } from '../../src/chain/followClock.js'
import { GridletError } from '../../src/core/errors.js'
import { gateClosureMs, marketTime } from '../../src/core/time/interval.js'
import type { Community } from '../households/assemble.js'
import { householdKeys, marketContext, SIM_SETTLEMENT_ADDRESS } from '../market/context.js'
import { emptyOutcome, type MarketOutcome } from '../outcome.js'
import { householdChoice, type Scenario } from '../scenario/schema.js'
import { startTsWorker } from '../worker.js'
import { sharedTimeBuffer, timeController } from './clocks.js'
import { pacer } from './pacer.js'
import {
  type FromHost,
  type HostedHousehold,
  type HostInit,
  type HostStats,
  MISSING,
  type NodeResult,
  type ToHost,
} from './protocol.js'

export interface NetworkRunOptions {
  /** Worker threads hosting the nodes (default 2). */
  readonly hosts?: number
  /** Real milliseconds per market interval while every host keeps up (default max(2000, 800 + 50 n), n households). */
  readonly realIntervalMs?: number
  readonly onProgress?: (done: number, total: number) => void
  /** Meter profile the simulators serve and the nodes read (default eastron-sdm630). */
  readonly meterProfile?: string
}

/**
 * Network mode: a local dev chain (anvil, the settlement contract, every household registered and funded); per
 * household a Modbus meter simulator and a real gridlet node (sim/network/host.ts: config -> startNode), hosted in
 * worker threads, on an accelerated clock shared by all. Each node reads its meter, decides, signs and gossips its
 * orders, the network agrees on each interval, and the sellers' batchers settle agreed intervals on chain. This
 * runner only paces the clock, watches and measures. Returns the same `MarketOutcome` as fast mode, plus network
 * measurements.
 */
export async function runNetwork(s: Scenario, c: Community, opts: NetworkRunOptions = {}): Promise<MarketOutcome> {
  checkSupported(s, c)
  const wallStart = performance.now()
  const intervalMs = c.intervalS * 1000
  const realIntervalMs = opts.realIntervalMs ?? Math.max(2000, 800 + 50 * c.n)
  const speed = intervalMs / realIntervalMs
  const ctx = marketContext(s, c.firstInterval)
  const keys = householdKeys(c.n)
  // The dev chain registers and funds every household (the operator's job), as `gridlet chain dev` does.
  const dev = await startDevChain({
    households: c.n,
    chainId: s.market.chainId,
    marketName: s.market.name,
    // Orders expire a week after their interval (2013 in the shipped scenarios): the chain must live at that time.
    anvilArgs: ['--timestamp', String(c.firstInterval * c.intervalS - 3600)],
    // The contract's interval timing is the scenario's (it checks settlement windows and cancel deadlines with it).
    timing: { intervalLength: c.intervalS, gateClosure: s.market.gateClosureS },
  })
  const workers: Worker[] = []
  let unfollow = () => {}
  try {
    if (dev.settlement.toLowerCase() !== SIM_SETTLEMENT_ADDRESS.toLowerCase()) {
      throw new GridletError('settlement contract not at the address fast mode hashes with', {
        code: 'SIM_NETWORK_DOMAIN',
        details: `${dev.settlement} != ${SIM_SETTLEMENT_ADDRESS}`,
      })
    }
    const time = marketTime({
      lengthS: c.intervalS,
      gateClosureS: s.market.gateClosureS,
      maxSkewS: Math.min(c.intervalS, Math.ceil((100 * speed) / 1000)),
    })
    const real = (ms: number) => Math.round(ms * speed)
    // Start just before the gate of the interval before the period: the nodes' first decision (at start) is for that
    // interval (nothing to trade), so every order of the period is decided and gossiped with the mesh formed.
    const startMs = gateClosureMs(time, c.firstInterval - 1) - real(200)
    const hosts = Math.max(1, Math.min(opts.hosts ?? 2, c.n))
    const simTime = sharedTimeBuffer(hosts)
    const clock = timeController(simTime, hosts, startMs)
    // The chain lives in simulated time: the contract pays an interval only once its start has passed in block time.
    unfollow = followClock(dev.rpcUrl, clock)
    const base: Omit<HostInit, 'households'> = {
      scenario: s,
      accounts: ctx.accounts,
      domain: ctx.domain,
      market: ctx.market,
      firstInterval: c.firstInterval,
      T: c.T,
      marketTime: time,
      timing: { digestDelayMs: real(300), digestWindowMs: real(1000), resultWindowMs: real(1500) },
      meterProfile: opts.meterProfile ?? 'eastron-sdm630',
      rpcUrl: dev.rpcUrl,
    }
    // A busy machine makes the run slower, not different: a barrier is only given up after a minute of real time (a
    // node that is truly stuck), not after a few intervals of it.
    const pace = pacer(c, hosts, time, base.timing, real(50), Math.max(60_000, 10 * realIntervalMs))
    const inbox: ((m: FromHost, w: number) => void)[] = []
    const results: NodeResult[][] = Array.from({ length: c.T }, () => [])
    const stats: HostStats[] = []
    const errors: string[] = []
    for (let w = 0; w < hosts; w++) {
      const mine: HostedHousehold[] = []
      for (let h = w; h < c.n; h += hosts) mine.push(hostedHousehold(s, c, h, keys[h] as Hex))
      const worker = startTsWorker(new URL('./host.ts', import.meta.url), {
        ...base,
        households: mine,
        host: w,
        time: simTime,
      })
      worker.on('message', (m: FromHost) => {
        if (m.type === 'decided') pace.decided(m.k, m.published)
        else if (m.type === 'orders') pace.orders(w, m.k, m.min)
        else if (m.type === 'digests') pace.digests(w, m.k, m.min)
        else if (m.type === 'result') results[m.result.k]?.push(m.result)
        else if (m.type === 'stopped') stats.push(m.stats)
        else if (m.type === 'error') errors.push(m.message)
        for (const f of inbox) f(m, w)
      })
      worker.on('error', (e) => errors.push(e.stack ?? String(e)))
      workers.push(worker)
    }
    const send = (m: ToHost) => {
      for (const w of workers) w.postMessage(m)
    }
    const all = <T extends FromHost['type']>(type: T) =>
      new Promise<Extract<FromHost, { type: T }>[]>((resolve, reject) => {
        const got: Extract<FromHost, { type: T }>[] = []
        const timer = setInterval(() => {
          if (errors.length === 0) return
          clearInterval(timer)
          reject(new GridletError('a node host failed', { code: 'SIM_NETWORK_HOST', details: errors.join('\n') }))
        }, 100)
        inbox.push((m) => {
          if (m.type !== type) return
          got.push(m as Extract<FromHost, { type: T }>)
          if (got.length === workers.length) {
            clearInterval(timer)
            resolve(got)
          }
        })
      })
    const ready = await all('ready')
    const peers = ready.flatMap((r) => r.addrs).sort((a, b) => a.h - b.h)
    const meshed = all('meshed')
    send({ type: 'connect', peers, degree: 4 })
    await meshed
    const finished = all('finished')
    send({ type: 'go' })
    clock.run(speed, () => pace.limit(clock.now(), results))

    // The nodes settle on their own (each seller's batcher); the runner only watches. Report progress as nodes conclude.
    // Give up when simulated time is well past the last decision, or real time far beyond the planned duration.
    const doneByClock = startMs + (c.T + 4) * intervalMs
    const doneByWall = performance.now() + 4 * (c.T + 3) * realIntervalMs
    let done = 0
    // Time the clock stood still (barriers, starved hosts) extends the real-time budget.
    while (clock.now() < doneByClock && performance.now() < doneByWall + clock.heldMs()) {
      const nowDone = results.filter((r) => r.length >= c.n).length
      if (nowDone !== done) {
        done = nowDone
        opts.onProgress?.(done, c.T)
      }
      if (done === c.T || errors.length > 0) break
      await new Promise((r) => setTimeout(r, 100))
    }
    if (errors.length > 0)
      throw new GridletError('a node host failed', { code: 'SIM_NETWORK_HOST', details: errors[0] })
    await Promise.race([finished, new Promise((r) => setTimeout(r, 3 * realIntervalMs))])
    const withTrades = results.flatMap((rs, k) =>
      rs.some((r) => r.full && r.full.trades.length > 0) ? [BigInt(c.firstInterval + k)] : [],
    )
    const chain = await watchSettlement(dev, withTrades, 10 * realIntervalMs)
    const stopped = all('stopped')
    send({ type: 'stop' })
    await stopped
    clock.stop()
    const wall = {
      seconds: (performance.now() - wallStart) / 1000,
      heldSeconds: clock.heldMs() / 1000,
      released: pace.released(),
    }
    return buildOutcome(s, c, ctx.accounts, results, stats, chain, wall)
  } finally {
    unfollow()
    await Promise.all(workers.map((w) => w.terminate()))
    await dev.stop()
  }
}

function checkSupported(s: Scenario, c: Community): void {
  if (s.faults.some((f) => f.kind === 'equivocate')) {
    throw new GridletError('equivocation faults run in fast mode only', {
      code: 'SIM_NETWORK_UNSUPPORTED',
      field: 'faults',
    })
  }
  const flat = (a: Int32Array) => a.every((x) => x === a[0])
  if ((s.market.rule === 'sdr' || s.market.rule === 'mmr') && !(flat(c.retail) && flat(c.feedIn))) {
    throw new GridletError('network nodes clear SDR and MMR with one retail and feed-in price: use a flat tariff', {
      code: 'SIM_NETWORK_UNSUPPORTED',
      field: 'tariff',
    })
  }
}

function hostedHousehold(s: Scenario, c: Community, h: number, privateKey: Hex): HostedHousehold {
  const o = h * c.stride
  const period = c.net.subarray(o + c.warmup, o + c.stride)
  return {
    h,
    privateKey,
    importWh: period.map((x) => Math.max(0, x)),
    exportWh: period.map((x) => Math.max(0, -x)),
    warmup: c.net.slice(o, o + c.warmup),
    hasPv: (c.households[h]?.kWp ?? 0) > 0,
    ...(householdChoice(s, h).forecast === 'perfect' ? { oracle: period.slice() } : {}),
  }
}

/**
 * Waits (up to `timeoutMs` real) until the nodes have settled every interval with trades on chain, then reads what
 * the chain holds: settled intervals and the gas their settlements used.
 */
async function watchSettlement(dev: DevChain, intervals: readonly bigint[], timeoutMs: number) {
  const client = createPublicClient({ chain: localChain(dev.chainId, dev.rpcUrl), transport: http(dev.rpcUrl) })
  const isSettled = (interval: bigint) =>
    readContract(client, { address: dev.settlement, abi: settlementAbi, functionName: 'isSettled', args: [interval] })
  const until = performance.now() + timeoutMs
  let settled: bigint[] = []
  for (;;) {
    const flags = await Promise.all(intervals.map(isSettled))
    settled = intervals.filter((_, i) => flags[i])
    if (settled.length === intervals.length || performance.now() > until) break
    await new Promise((r) => setTimeout(r, 250))
  }
  const events = await getContractEvents(client, {
    address: dev.settlement,
    abi: settlementAbi,
    eventName: 'Settled',
    fromBlock: 0n,
  })
  const receipts = await Promise.all(
    [...new Set(events.map((e) => e.transactionHash))].map((hash) => getTransactionReceipt(client, { hash })),
  )
  const failures = intervals.filter((k) => !settled.includes(k)).map((k) => `${k}: not settled`)
  return {
    gasUsed: receipts.reduce((a, r) => a + r.gasUsed, 0n),
    settled: settled.length,
    withTrades: intervals.length,
    failures,
  }
}

function buildOutcome(
  s: Scenario,
  c: Community,
  accounts: readonly Address[],
  results: readonly NodeResult[][],
  stats: readonly HostStats[],
  chain: { gasUsed: bigint; settled: number; withTrades: number; failures: string[] },
  wall: { seconds: number; heldSeconds: number; released: number },
): MarketOutcome {
  const o = emptyOutcome(c, 'network', s.market.rule, s.output.trades === 'all')
  const index = new Map(accounts.map((a, h) => [a.toLowerCase(), h]))
  let agreeing = 0
  const disagreements: Record<string, number> = {}
  let intervalsWithTrades = 0
  for (let k = 0; k < c.T; k++) {
    const rs = results[k] ?? []
    const votes = new Map<Hex, number>()
    for (const r of rs) if (r.agreed) votes.set(r.root, (votes.get(r.root) ?? 0) + 1)
    const [root] = [...votes].sort((a, b) => b[1] - a[1])[0] ?? [rs[0]?.root ?? '0x']
    o.roots[k] = root as Hex
    agreeing += rs.filter((r) => r.agreed && r.root === root).length
    for (const r of rs) {
      if (!r.agreed) disagreements[r.reason ?? 'UNKNOWN'] = (disagreements[r.reason ?? 'UNKNOWN'] ?? 0) + 1
    }
    const missing = c.n - rs.length
    if (missing > 0) disagreements.NO_RESULT = (disagreements.NO_RESULT ?? 0) + missing
    const full = rs.find((r) => r.full && r.root === root)?.full
    if (!full) continue
    let volume = 0
    let value = 0
    for (const t of full.trades) {
      const b = index.get(t.buyer.toLowerCase()) as number
      const sl = index.get(t.seller.toLowerCase()) as number
      const q = Number(t.quantityWh)
      const amount = Number(t.amount)
      o.boughtWh[b * c.T + k] = (o.boughtWh[b * c.T + k] as number) + q
      o.soldWh[sl * c.T + k] = (o.soldWh[sl * c.T + k] as number) + q
      o.paid[b] = (o.paid[b] as number) + amount
      o.received[sl] = (o.received[sl] as number) + amount
      volume += q
      value += q * Number(t.price)
      o.trades?.push({
        k,
        buyer: b,
        seller: sl,
        quantityWh: q,
        price: Number(t.price),
        amount,
        buyId: t.buyId,
        sellId: t.sellId,
      })
    }
    if (full.trades.length > 0) intervalsWithTrades++
    o.volumeWh[k] = volume
    o.tradeCount[k] = full.trades.length
    o.price[k] =
      full.clearingPrice !== undefined ? Number(full.clearingPrice) : volume > 0 ? value / volume : Number.NaN
  }
  let meterMismatches = 0
  let meterMissing = 0
  for (const st of stats) {
    for (const m of st.measured) {
      for (let k = 0; k < c.T; k++) {
        const v = m.netWh[k] as number
        if (v === MISSING) meterMissing++
        else if (v !== c.net[m.h * c.stride + c.warmup + k]) meterMismatches++
      }
    }
  }
  return {
    ...o,
    network: {
      nodes: c.n,
      messagesPublished: stats.reduce((a, x) => a + x.ordersPublished, 0),
      messagesReceived: stats.reduce((a, x) => a + x.messagesValidated, 0),
      bytesSent: stats.reduce((a, x) => a + x.bytesSent, 0),
      agreementRate: agreeing / (c.n * c.T),
      disagreements,
      settledIntervals: chain.settled,
      intervalsWithTrades,
      settlementFailures: chain.failures,
      gasUsed: chain.gasUsed.toString(),
      meterReadErrors: stats.reduce((a, x) => a + x.meterErrors, 0),
      orderRefusals: sumCounts(stats.map((x) => x.submitFailures)),
      meterMismatches,
      meterMissing,
      wallSeconds: wall.seconds,
      clockHeldSeconds: wall.heldSeconds,
      barriersReleased: wall.released,
    },
  }
}

function sumCounts(xs: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const x of xs) for (const [k, v] of Object.entries(x)) out[k] = (out[k] ?? 0) + v
  return out
}
