import { availableParallelism } from 'node:os'
import { bytesToHex, type Hex } from 'viem'
import { attachGrid, type GridRun, runGridOnly } from '../grid/attachGrid.js'
import { deliverOnGrid, envelopesOf } from '../grid/deliverOnGrid.js'
import { type MarketGrid, marketGrid } from '../grid/marketGrid.js'
import { scenarioNetwork } from '../grid/scenarioNetwork.js'
import type { SiteLimits } from '../grid/siteLimits.js'
import { assembleCommunity, type Community } from '../households/assemble.js'
import { type HouseholdDataSource, realDataSource } from '../households/sources.js'
import { marketContext } from '../market/context.js'
import { orderIdHasher } from '../market/orderIds.js'
import { emptyOutcome, type MarketOutcome } from '../outcome.js'
import type { Rule, Scenario } from '../scenario/schema.js'
import { type ClearInput, type ClearOutput, clearRange } from './clearRange.js'
import { joinPlans, type OrderPlan, type PlanningCommunity, planOrders } from './plan.js'
import { type FastWorker, startFastWorker } from './pool.js'

export interface FastRunOptions {
  readonly data?: HouseholdDataSource
  /** Rule to clear with instead of the scenario's (for `sim compare`). */
  readonly rule?: Rule
  /** Worker threads; default: 1 (inline) for small runs, up to 2 for large ones. */
  readonly workers?: number
  /** Called as intervals are cleared: (done, total). */
  readonly onProgress?: (done: number, total: number) => void
}

/** Runs that are smaller than this many household-intervals stay in this thread (a worker costs ~1 s to start). */
const PARALLEL_THRESHOLD = 500_000

/**
 * Fast mode: assembles the neighbourhood, lets every household decide its orders, clears every interval with the
 * core and books the trades. Deterministic from the scenario (and its seed); no I/O besides reading the data.
 *
 * @example
 * const { community, outcome } = await runFast(loadScenario('sim/scenarios/default.yaml'))
 */
export async function runFast(
  s: Scenario,
  opts: FastRunOptions = {},
): Promise<{ community: Community; outcome: MarketOutcome }> {
  const community = assembleCommunity(s, opts.data ?? realDataSource())
  const outcome = await clearCommunity(s, community, opts)
  return { community, outcome }
}

/**
 * Fast-mode market over an already assembled community (lets `sim compare` assemble once for all rules). With
 * worker threads, each plans a contiguous block of households and then clears a contiguous range of intervals,
 * while this thread runs the grid-only power flow and then derives the site envelopes: every part is computed by
 * the same functions as in one thread, so the outcome is the same.
 */
export async function clearCommunity(s: Scenario, c: Community, opts: FastRunOptions = {}): Promise<MarketOutcome> {
  const workers = Math.max(
    1,
    Math.min(opts.workers ?? (c.n * c.T >= PARALLEL_THRESHOLD ? 2 : 1), availableParallelism(), c.T),
  )
  // Started first: a worker thread takes about a second to load its modules, and planning needs nothing below.
  const pool = Array.from({ length: workers > 1 ? workers : 0 }, (_, w) => {
    const [h0, h1] = split(c.n, w, workers)
    return startFastWorker({ s, c: planningPart(c), h0, h1 })
  })
  try {
    return await clearWith(s, c, opts, pool)
  } finally {
    for (const w of pool) w.terminate()
  }
}

/** `clearCommunity` with its worker threads started (none: in this thread). */
async function clearWith(
  s: Scenario,
  c: Community,
  opts: FastRunOptions,
  pool: readonly FastWorker[],
): Promise<MarketOutcome> {
  const workers = Math.max(1, pool.length)
  const rule = opts.rule ?? s.market.rule
  const keepTrades = s.output.trades === 'all'
  const ctx = marketContext(s, c.firstInterval)
  const grid = clearingGrid(s, c)
  const base = emptyOutcome(c, 'fast', rule, keepTrades)
  const out: ClearOutput = {
    price: sharedF64(c.T, Number.NaN, workers),
    volumeWh: sharedF64(c.T, 0, workers),
    tradeCount: new Int32Array(workers > 1 ? new SharedArrayBuffer(c.T * 4) : new ArrayBuffer(c.T * 4)),
    roots: new Uint8Array(workers > 1 ? new SharedArrayBuffer(c.T * 32) : new ArrayBuffer(c.T * 32)),
    boughtWh: sharedI32(c.n * c.T, workers),
    soldWh: sharedI32(c.n * c.T, workers),
    paid: base.paid,
    received: base.received,
  }
  const inputOf = (plan: OrderPlan): ClearInput => ({
    n: c.n,
    T: c.T,
    plan,
    retail: c.retail,
    feedIn: c.feedIn,
    rule,
    k: s.market.k,
    ...(grid === undefined ? {} : { grid }),
  })
  let done = 0
  const progress = (d: number) => {
    done += d
    opts.onProgress?.(done, c.T)
  }
  let limits: SiteLimits | undefined
  let gridOnly: GridRun | undefined
  if (pool.length === 0) {
    const plan = planOrders(s, c)
    const ids = await orderIdHasher(ctx.domain, ctx.market, ctx.accounts)
    for (let k = 0; k < c.T; k += 48) {
      const end = Math.min(c.T, k + 48)
      clearRange(ctx, ids, inputOf(plan), out, k, end, base.trades)
      progress(end - k)
    }
    limits = grid === undefined ? undefined : envelopesOf(s, c, grid, plan)
  } else {
    gridOnly = runGridOnly(s, c)
    const plan = joinPlans(s, c, await Promise.all(pool.map((w) => w.plan)))
    const input = inputOf(sharePlan(plan))
    const { paid: _p, received: _r, ...shared } = out
    const cleared = pool.map((w, i) => {
      const [k0, k1] = split(c.T, i, workers)
      return w.clear({ ctx, input, out: shared, k0, k1, keepTrades }, progress)
    })
    limits = grid === undefined ? undefined : envelopesOf(s, c, grid, plan)
    for (const p of await Promise.all(cleared)) {
      for (let h = 0; h < c.n; h++) {
        out.paid[h] = (out.paid[h] as number) + (p.paid[h] as number)
        out.received[h] = (out.received[h] as number) + (p.received[h] as number)
      }
      if (p.trades) base.trades?.push(...p.trades)
    }
  }
  const roots: Hex[] = []
  for (let k = 0; k < c.T; k++) roots.push(bytesToHex(out.roots.subarray(k * 32, k * 32 + 32)))
  const delivery = grid === undefined ? undefined : deliverOnGrid(s, c, limits, out.boughtWh, out.soldWh)
  return attachGrid(
    s,
    c,
    {
      ...base,
      price: out.price,
      volumeWh: out.volumeWh,
      tradeCount: out.tradeCount,
      roots,
      boughtWh: out.boughtWh,
      soldWh: out.soldWh,
      ...(delivery === undefined ? {} : { deliveredWh: delivery.deliveredWh }),
    },
    { envelope: delivery?.envelope, gridOnly },
  )
}

/** Part `w` of `parts` contiguous near-equal blocks of [0, total). */
function split(total: number, w: number, parts: number): [number, number] {
  return [Math.floor((total * w) / parts), Math.floor((total * (w + 1)) / parts)]
}

/** What a worker thread needs of the community to plan (not the load and PV series). */
function planningPart(c: Community): PlanningCommunity {
  const { n, T, warmup, stride, intervalS, firstInterval, net, retail, feedIn, households } = c
  return { n, T, warmup, stride, intervalS, firstInterval, net, retail, feedIn, households }
}

/** The scenario network as the clearing sees it, when the scenario asks for a grid-aware market. */
function clearingGrid(s: Scenario, c: Community): MarketGrid | undefined {
  const m = s.network?.market
  if (s.network === undefined || m === undefined) return undefined
  return marketGrid(scenarioNetwork(s.network, c.n).network, c.intervalS, m)
}

function share<T extends Int32Array | Uint8Array>(a: T): T {
  const copy = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength))
  copy.set(a)
  return copy
}

function sharePlan(plan: OrderPlan): OrderPlan {
  return {
    start: share(plan.start),
    side: share(plan.side),
    qty: share(plan.qty),
    limit: share(plan.limit),
    equivocate: share(plan.equivocate),
  }
}

function sharedF64(len: number, fill: number, workers: number): Float64Array {
  const a = new Float64Array(workers > 1 ? new SharedArrayBuffer(len * 8) : new ArrayBuffer(len * 8))
  return a.fill(fill)
}

function sharedI32(len: number, workers: number): Int32Array {
  return new Int32Array(workers > 1 ? new SharedArrayBuffer(len * 4) : new ArrayBuffer(len * 4))
}
