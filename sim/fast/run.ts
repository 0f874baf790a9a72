import { availableParallelism } from 'node:os'
import { bytesToHex, type Hex } from 'viem'
import { GridletError } from '../../src/core/errors.js'
import { gridLevels } from '../../src/core/grid/index.js'
import { attachGrid } from '../grid/attachGrid.js'
import { deliverOnGrid } from '../grid/deliverOnGrid.js'
import { type MarketGrid, marketGrid } from '../grid/marketGrid.js'
import { scenarioNetwork } from '../grid/scenarioNetwork.js'
import { assembleCommunity, type Community } from '../households/assemble.js'
import { type HouseholdDataSource, realDataSource } from '../households/sources.js'
import { marketContext } from '../market/context.js'
import { orderIdHasher } from '../market/orderIds.js'
import { emptyOutcome, type MarketOutcome, type TradeRow } from '../outcome.js'
import type { Rule, Scenario } from '../scenario/schema.js'
import { startTsWorker } from '../worker.js'
import { type ClearInput, type ClearOutput, clearRange } from './clearRange.js'
import { type OrderPlan, planOrders } from './plan.js'
import type { WorkerJob } from './worker.js'

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

/** Fast-mode market over an already assembled community (lets `sim compare` assemble once for all rules). */
export async function clearCommunity(s: Scenario, c: Community, opts: FastRunOptions = {}): Promise<MarketOutcome> {
  const rule = opts.rule ?? s.market.rule
  const keepTrades = s.output.trades === 'all'
  const ctx = marketContext(s, c.firstInterval)
  const plan = planOrders(s, c)
  const grid = clearingGrid(s, c)
  const workers = Math.max(
    1,
    Math.min(opts.workers ?? (c.n * c.T >= PARALLEL_THRESHOLD ? 2 : 1), availableParallelism(), c.T),
  )
  const input: ClearInput = {
    n: c.n,
    T: c.T,
    plan: workers > 1 ? sharePlan(plan) : plan,
    retail: c.retail,
    feedIn: c.feedIn,
    rule,
    k: s.market.k,
    ...(grid === undefined ? {} : { grid }),
  }
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
  let done = 0
  const progress = (d: number) => {
    done += d
    opts.onProgress?.(done, c.T)
  }
  if (workers === 1) {
    const ids = await orderIdHasher(ctx.domain, ctx.market, ctx.accounts)
    for (let k = 0; k < c.T; k += 48) {
      const end = Math.min(c.T, k + 48)
      clearRange(ctx, ids, input, out, k, end, base.trades)
      progress(end - k)
    }
  } else {
    const parts = await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const k0 = Math.floor((c.T * w) / workers)
        const k1 = Math.floor((c.T * (w + 1)) / workers)
        const { paid: _p, received: _r, ...shared } = out
        return runWorker({ ctx, input, out: shared, k0, k1, keepTrades }, progress)
      }),
    )
    for (const p of parts) {
      for (let h = 0; h < c.n; h++) {
        out.paid[h] = (out.paid[h] as number) + (p.paid[h] as number)
        out.received[h] = (out.received[h] as number) + (p.received[h] as number)
      }
      if (p.trades) base.trades?.push(...p.trades)
    }
  }
  const roots: Hex[] = []
  for (let k = 0; k < c.T; k++) roots.push(bytesToHex(out.roots.subarray(k * 32, k * 32 + 32)))
  const delivery = grid === undefined ? undefined : deliverOnGrid(s, c, grid, plan, out.boughtWh, out.soldWh)
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
    delivery?.envelope,
  )
}

/** The scenario network as the clearing sees it, when the scenario asks for a grid-aware market. */
function clearingGrid(s: Scenario, c: Community): MarketGrid | undefined {
  const m = s.network?.market
  if (s.network === undefined || m === undefined) return undefined
  return marketGrid(gridLevels(scenarioNetwork(s.network, c.n), c.intervalS), c.n, m)
}

interface WorkerResult {
  paid: Float64Array
  received: Float64Array
  trades?: TradeRow[]
}

function runWorker(job: WorkerJob, onProgress: (d: number) => void): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const w = startTsWorker(new URL('./worker.ts', import.meta.url), job)
    w.on('message', (m: { progress?: number; done?: boolean } & WorkerResult) => {
      if (m.progress) onProgress(m.progress)
      if (m.done) {
        resolve(m)
        void w.terminate()
      }
    })
    w.on('error', reject)
    w.on(
      'exit',
      (code) =>
        code !== 0 &&
        code !== 1 &&
        reject(
          new GridletError('a fast-mode worker failed', { code: 'SIM_FAST_WORKER', details: `exit code ${code}` }),
        ),
    )
  })
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
