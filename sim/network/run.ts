import type { Worker } from 'node:worker_threads'
import type { Hex } from 'viem'
import { startDevChain } from '../../src/chain/devChain.js'
import { followClock } from '../../src/chain/followClock.js'
import { GridletError } from '../../src/core/errors.js'
import { gateClosureMs, marketTime } from '../../src/core/time/interval.js'
import type { Community } from '../households/assemble.js'
import { householdKeys, marketContext, SIM_SETTLEMENT_ADDRESS } from '../market/context.js'
import type { MarketOutcome } from '../outcome.js'
import { householdChoice, type Scenario } from '../scenario/schema.js'
import { startTsWorker } from '../worker.js'
import { buildOutcome } from './buildOutcome.js'
import { sharedTimeBuffer, timeController } from './clocks.js'
import { pacer } from './pacer.js'
import type { FromHost, HostedHousehold, HostInit, HostStats, NodeResult, ToHost } from './protocol.js'
import { watchSettlement } from './watchSettlement.js'

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
 * orders, the network agrees on each interval, and the sellers' batchers settle agreed intervals on chain. The
 * scenario's faults act on the nodes' network ports (sim/network/faultyNetwork.ts). This runner only paces the
 * clock, watches and measures. Returns the same `MarketOutcome` as fast mode (with the grid KPIs of what the nodes
 * metered when the scenario has a `network:` section), plus network measurements.
 *
 * @example
 * const outcome = await runNetwork(scenario, assembleCommunity(scenario, realDataSource()), { realIntervalMs: 1500 })
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

/** What network mode cannot run (yet): a refused scenario names the field. */
function checkSupported(s: Scenario, c: Community): void {
  if (s.network?.market !== undefined) {
    // The nodes' clearing has no grid fees or capacity limits: their roots would not be fast mode's.
    throw new GridletError('a grid-aware market (network.market) runs in fast mode only', {
      code: 'SIM_NETWORK_UNSUPPORTED',
      field: 'network.market',
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
