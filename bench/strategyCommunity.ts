/**
 * The community of `npm run eval:strategy`: SGSC households trading with each other under the default market rule
 * (k-DA, k = 1/2) on real data, every strategy against (a) the grid only and (b) perfect foresight, with the
 * imbalance rule of src/core/strategy/settleImbalance.ts; optionally with flexible loads (flexLoads.ts).
 */
import { type Hex, keccak256, numberToHex } from 'viem'
import { createForecaster } from '../src/core/forecast/createForecaster.js'
import type { ModelName, Quantiles } from '../src/core/forecast/types.js'
import { clear } from '../src/core/market/index.js'
import { Side, type VerifiedOrder } from '../src/core/order/types.js'
import {
  type BatteryState,
  createStrategy,
  deliverBattery,
  type Strategy,
  settleImbalance,
  type Tariff,
} from '../src/core/strategy/index.js'
import { loadPv } from '../src/data/loadPv.js'
import { loadSgsc } from '../src/data/loadSgsc.js'
import type { MeterSeries } from '../src/data/series.js'
import { type FlexOptions, FlexPlanner } from './flexLoads.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const SLOT = HOUR / 2
const SPD = 48
const INTERVAL_S = 1800
/** A 6-decimal token: 0.30 per kWh retail, 0.08 per kWh feed-in. */
export const TARIFF: Tariff = { retailPrice: 300_000n, feedInPrice: 80_000n }
const MARKET: Hex = keccak256(numberToHex(0x67726964)) // 'grid'
/** Intraday PV correction (see ForecasterInit.residualDecay): 0.8 to 0.97 measured within 1% of savings. */
export const PV_RESIDUAL_DECAY = 0.9

/** One simulated home: its real load, its share of the PV shape, its battery. */
export interface Home {
  readonly id: string
  readonly account: Hex
  /** Actual load and PV per slot of the window, whole Wh. */
  readonly load: Int32Array
  readonly pv: Int32Array
  /** PV size as a multiple of the customer-12 system (0: no PV). */
  readonly pvScale: number
  readonly battery: BatteryState | undefined
  /** Load slots that had no reading and were filled (same slot a week earlier). */
  readonly filled: number
}

export interface CommunityOptions {
  /** First test day starts at this UTC instant (local midnight). */
  readonly startMs: number
  readonly days: number
  readonly warmupDays: number
  readonly model: ModelName
  /** Day-ahead: all 48 intervals bid at local midnight. Intraday: each interval bid just before its gate closure
   * with the readings up to then (the market takes orders per interval until gate closure). */
  readonly cadence: 'day-ahead' | 'intraday'
  /** The PV forecaster's `residualDecay`; default 0.9 (0: the plain profile). */
  readonly pvResidualDecay?: number
  /** Use at most this many households (in id order). */
  readonly maxHomes?: number
  /** Flexible loads (hot-water tanks, EVs) on top of the general supply, run at full power from their start
   * (`fixed`) or planned (`flexible`). */
  readonly flex?: FlexOptions
}

export interface StrategyOutcome {
  readonly strategy: string
  /** Community cost over the window: grid imbalance bills + trade payments (which cancel out), token units. */
  readonly cost: bigint
  readonly tradedWh: bigint
  readonly fromGridWh: bigint
  readonly toGridWh: bigint
  /** Energy the homes consumed over the window (general supply plus flexible loads), Wh. */
  readonly consumedWh: bigint
  /** What the grid bills would be if each interval's community net import met the grid as one meter (perfect
   * netting, the same battery flows): a floor for any trading strategy given those flows. */
  readonly nettedCost: bigint
}

export interface CommunityReport {
  readonly homes: readonly Home[]
  /** PV the homes generated over the window, Wh. */
  readonly pvWh: bigint
  readonly outcomes: readonly StrategyOutcome[]
  readonly gridOnly: StrategyOutcome
  readonly perfect: StrategyOutcome
  /** The community optimum's cost, a floor for every strategy (see `communityOptimum`). */
  readonly optimum: bigint
}

/** Maps a UTC instant to the same day of year and time in the PV year (July 2011 - June 2012). */
function pvIndex(pv: MeterSeries, ms: number): number {
  const d = new Date(ms)
  const year = d.getUTCMonth() >= 6 ? 2011 : 2012
  const shifted = Date.UTC(year, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes())
  return (shifted - pv.startMs) / SLOT
}

/** Builds the neighbourhood: households with >= 95% of readings over warm-up + test; every 2nd has PV, every 4th a battery. */
export function buildHomes(opts: CommunityOptions): { homes: Home[]; firstMs: number; slots: number } {
  const { households } = loadSgsc()
  const { pv } = loadPv()
  const firstMs = opts.startMs - opts.warmupDays * DAY
  const slots = (opts.warmupDays + opts.days) * SPD
  const homes: Home[] = []
  for (const h of households) {
    const off = (firstMs - h.general.startMs) / SLOT
    let present = 0
    for (let i = 0; i < slots; i++) if (!Number.isNaN(h.general.wh[off + i] ?? Number.NaN)) present++
    if (present < 0.95 * slots) continue
    const n = homes.length
    if (opts.maxHomes !== undefined && n >= opts.maxHomes) break
    const load = new Int32Array(slots)
    let filled = 0
    for (let i = 0; i < slots; i++) {
      load[i] = readingAt(h.general.wh, off + i)
      if (Number.isNaN(h.general.wh[off + i] ?? Number.NaN)) filled++
    }
    const pvScale = n % 2 === 0 ? [1.5, 2, 2.5][(n / 2) % 3]! : 0
    const pvWh = new Int32Array(slots)
    if (pvScale > 0)
      for (let i = 0; i < slots; i++) pvWh[i] = Math.round(pvScale * pv.wh[pvIndex(pv, firstMs + i * SLOT)]!)
    const battery = n % 4 === 0 ? { capacityWh: 10_000, powerW: 5000, efficiency: 0.9, socWh: 5000 } : undefined
    const account = `0x${(n + 1).toString(16).padStart(40, '0')}` as Hex
    homes.push({ id: h.id, account, load, pv: pvWh, pvScale, battery, filled })
  }
  return { homes, firstMs, slots }
}

/** The reading at `i`, or the same slot up to 4 weeks earlier when it is missing (0 if none). */
function readingAt(wh: Float64Array, i: number): number {
  let v = wh[i] ?? Number.NaN
  for (let k = 1; Number.isNaN(v) && k <= 4; k++) v = wh[i - k * 7 * SPD] ?? Number.NaN
  return Number.isNaN(v) ? 0 : v
}

/** Quantiles that are the truth: what a strategy sees with perfect foresight. */
function exact(values: Int32Array, from: number, n: number): Quantiles {
  const v = Float64Array.from(values.subarray(from, from + n))
  return { p10: v, p50: v, p90: v }
}

function scaled(q: Quantiles, s: number): Quantiles {
  const m = (a: Float64Array) => a.map((x) => x * s)
  return { p10: m(q.p10), p50: m(q.p50), p90: m(q.p90) }
}

/** A load forecast plus the flexible load the home has already scheduled (known exactly). */
function plus(q: Quantiles, known: Int32Array, from: number): Quantiles {
  const m = (a: Float64Array) => a.map((x, j) => x + (known[from + j] ?? 0))
  return { p10: m(q.p10), p50: m(q.p50), p90: m(q.p90) }
}

interface Runner {
  readonly name: string
  readonly strategy: Strategy | null
  readonly foresight: boolean
  batteries: (BatteryState | undefined)[]
  idCounter: bigint
  cost: bigint
  tradedWh: bigint
  fromGridWh: bigint
  toGridWh: bigint
  nettedCost: bigint
  consumedWh: bigint
  readonly flex: FlexPlanner | undefined
}

/**
 * Runs the community day by day: at each local midnight every home forecasts its next 48 half hours (load with
 * `opts.model`; PV with the same model on the unit PV shape, scaled), plans with each strategy, and each interval
 * is cleared with the market core's `clear` (k-DA). Then the meter decides: the battery follows the contracted
 * position (deliverBattery) and the imbalance rule settles the rest against the grid.
 */
export function runCommunity(opts: CommunityOptions): CommunityReport {
  const { homes, firstMs, slots } = buildHomes(opts)
  const init = { utcOffsetMs: 10 * HOUR }
  const loadF = homes.map(() => createForecaster(opts.model, init))
  // PV departures (cloud) persist for hours: the PV forecaster carries the latest one forward (residualDecay).
  const pvF = createForecaster(opts.model, { ...init, residualDecay: opts.pvResidualDecay ?? PV_RESIDUAL_DECAY })
  const unitPv = Int32Array.from({ length: slots }, (_, i) => {
    const h = homes.find((x) => x.pvScale > 0)
    return h ? Math.round(h.pv[i]! / h.pvScale) : 0
  })
  const runner = (name: string, strategy: Strategy | null, foresight: boolean): Runner => ({
    name,
    strategy,
    foresight,
    batteries: homes.map((h) => h.battery),
    idCounter: 0n,
    cost: 0n,
    tradedWh: 0n,
    fromGridWh: 0n,
    toGridWh: 0n,
    nettedCost: 0n,
    consumedWh: 0n,
    flex:
      opts.flex &&
      new FlexPlanner(opts.flex, homes.length, { slots, from: opts.warmupDays * SPD, intervalS: INTERVAL_S }),
  })
  const runners = [
    runner('grid-only', null, false),
    runner('truthful', createStrategy('truthful'), false),
    runner('forecast-aware', createStrategy('forecast-aware'), false),
    runner('perfect-foresight', createStrategy('forecast-aware'), true),
  ]
  let fed = 0
  const observeUpTo = (slot: number) => {
    for (let i = fed; i < slot; i++) {
      const ms = firstMs + i * SLOT
      homes.forEach((h, k) => {
        loadF[k]!.observe(ms, h.load[i]!)
      })
      pvF.observe(ms, unitPv[i]!)
    }
    fed = Math.max(fed, slot)
  }
  const tariffs = Array.from({ length: SPD }, () => TARIFF)
  const step = opts.cadence === 'intraday' ? 1 : SPD
  for (let slot = opts.warmupDays * SPD; slot < slots; slot += step) {
    observeUpTo(slot)
    const originMs = firstMs + slot * SLOT
    const horizon = Math.min(SPD, slots - slot)
    // Flexible sessions may run past the bidding horizon (an EV plugged in overnight): forecast far enough for them.
    const reach = Math.max(horizon, ...runners.map((r) => r.flex?.reach(slot, step) ?? 0))
    const loadQ = loadF.map((f) => f.forecast(originMs, reach))
    const pvQ = pvF.forecast(originMs, reach)
    const firstInterval = BigInt(originMs / 1000 / INTERVAL_S)
    for (const r of runners) {
      r.flex?.plan(slot, step, firstInterval, (k) => {
        const h = homes[k]!
        if (r.foresight) return { load: h.load.subarray(slot), pv: h.pv.subarray(slot) }
        return { load: loadQ[k]!.p50, pv: h.pvScale > 0 ? scaled(pvQ, h.pvScale).p50 : undefined }
      })
      const flexLoad = (k: number) => r.flex?.scheduled[k]
      // Orders for the next `step` intervals (day-ahead: the whole day; intraday: the next interval only).
      const orders: VerifiedOrder[][] = Array.from({ length: step }, () => [])
      if (r.strategy) {
        homes.forEach((h, k) => {
          const ctx = {
            firstInterval,
            intervalS: INTERVAL_S,
            load: withFlex(r.foresight ? exact(h.load, slot, horizon) : cut(loadQ[k]!, horizon), flexLoad(k), slot),
            pv:
              h.pvScale > 0
                ? r.foresight
                  ? exact(h.pv, slot, horizon)
                  : cut(scaled(pvQ, h.pvScale), horizon)
                : undefined,
            tariffs: tariffs.slice(0, horizon),
            battery: r.batteries[k],
          }
          let nonce = 0n // one per order of a home, as a node gives them: equal nonces would be equivocation
          for (const intent of r.strategy!.plan(ctx)) {
            const j = Number(intent.interval - firstInterval)
            if (j >= step) continue
            orders[j]!.push({
              order: {
                market: MARKET,
                interval: intent.interval,
                side: intent.side,
                quantityWh: intent.quantityWh,
                limitPrice: intent.limitPrice,
                account: h.account,
                nonce: nonce++,
                expiry: (intent.interval + 2n) * BigInt(INTERVAL_S),
              },
              signature: `0x${'00'.repeat(65)}`,
              id: keccak256(numberToHex(r.idCounter++, { size: 32 })),
            })
          }
        })
      }
      for (let j = 0; j < step && slot + j < slots; j++) {
        const interval = firstInterval + BigInt(j)
        const contracted = new Map<string, bigint>()
        const book = orders[j]!
        if (book.length > 0) {
          const result = clear(book, { rule: 'k-da', interval, ...TARIFF, lengthS: INTERVAL_S })
          // As PriceMemory records them: an interval with only asks cleared at feed-in, one with bids at retail.
          const onlyAsks = book.every((o) => o.order.side !== Side.Buy)
          r.flex?.observePrice(interval, result.clearingPrice ?? (onlyAsks ? TARIFF.feedInPrice : TARIFF.retailPrice))
          for (const t of result.trades) {
            // Trade payments move money inside the community (buyer pays seller): they cancel in its cost.
            contracted.set(t.buyer, (contracted.get(t.buyer) ?? 0n) + t.quantityWh)
            contracted.set(t.seller, (contracted.get(t.seller) ?? 0n) - t.quantityWh)
            r.tradedWh += t.quantityWh
          }
        }
        let communityWh = 0n
        homes.forEach((h, k) => {
          const c = contracted.get(h.account) ?? 0n
          const load = h.load[slot + j]! + (flexLoad(k)?.[slot + j] ?? 0)
          r.consumedWh += BigInt(load)
          const d = deliverBattery(r.batteries[k], Number(c), load, h.pv[slot + j]!, INTERVAL_S)
          r.batteries[k] = d.battery
          const imb = settleImbalance({ contractedWh: c, meteredWh: BigInt(d.meteredWh), tariff: TARIFF })
          r.cost += imb.cost
          r.fromGridWh += imb.fromGridWh
          r.toGridWh += imb.toGridWh
          communityWh += BigInt(d.meteredWh)
        })
        r.nettedCost += settleImbalance({ contractedWh: 0n, meteredWh: communityWh, tariff: TARIFF }).cost
      }
    }
  }
  const outcome = (r: Runner): StrategyOutcome => ({
    strategy: r.name,
    cost: r.cost,
    tradedWh: r.tradedWh,
    fromGridWh: r.fromGridWh,
    toGridWh: r.toGridWh,
    nettedCost: r.nettedCost,
    consumedWh: r.consumedWh,
  })
  let pvWh = 0n
  for (const h of homes) for (let i = opts.warmupDays * SPD; i < slots; i++) pvWh += BigInt(h.pv[i]!)
  const fixedFlex =
    opts.flex &&
    new FlexPlanner({ ...opts.flex, plan: 'fixed' }, homes.length, { slots, from: slots, intervalS: INTERVAL_S })
  return {
    homes,
    pvWh,
    gridOnly: outcome(runners[0]!),
    perfect: outcome(runners[3]!),
    outcomes: runners.slice(1, 3).map(outcome),
    optimum: communityOptimum(homes, opts.warmupDays * SPD, slots, fixedFlex?.scheduled),
  }
}

const cut = (q: Quantiles, n: number): Quantiles => ({
  p10: q.p10.subarray(0, n),
  p50: q.p50.subarray(0, n),
  p90: q.p90.subarray(0, n),
})
const withFlex = (q: Quantiles, known: Int32Array | undefined, from: number) => (known ? plus(q, known, from) : q)

/**
 * The cheapest the community can do with perfect foresight: every interval nets perfectly (one meter for the
 * neighbourhood) and all batteries act as one pooled battery (summed capacity, power and charge) that charges
 * from the community's surplus and discharges into its deficit. Pooling relaxes the per-home limits, so no
 * strategy beats it; with a flat tariff and r x efficiency > f, greedy is the optimal schedule for the pool (a Wh
 * stored from surplus saves r whenever it meets a deficit, and discharging early only makes room).
 */
export function communityOptimum(
  homes: readonly Home[],
  from: number,
  to: number,
  extraLoad?: readonly Int32Array[],
): bigint {
  const batteries = homes.flatMap((h) => (h.battery ? [h.battery] : []))
  let pool: BatteryState | undefined = batteries.length
    ? {
        capacityWh: batteries.reduce((a, b) => a + b.capacityWh, 0),
        powerW: batteries.reduce((a, b) => a + b.powerW, 0),
        efficiency: batteries[0]!.efficiency,
        socWh: batteries.reduce((a, b) => a + b.socWh, 0),
      }
    : undefined
  let cost = 0n
  for (let i = from; i < to; i++) {
    let net = 0
    for (const [k, h] of homes.entries()) net += h.load[i]! + (extraLoad?.[k]?.[i] ?? 0) - h.pv[i]!
    const d = deliverBattery(pool, 0, net, 0, INTERVAL_S)
    pool = d.battery
    cost += settleImbalance({ contractedWh: 0n, meteredWh: BigInt(d.meteredWh), tariff: TARIFF }).cost
  }
  return cost
}

/** Share of the community optimum's savings (vs grid only) a strategy captures. */
export function optimumShare(report: CommunityReport, o: StrategyOutcome): number {
  return Number(report.gridOnly.cost - o.cost) / Number(report.gridOnly.cost - report.optimum)
}

/** Share of the community's PV used inside it (by its own homes or their neighbours), not exported. */
export function selfConsumption(report: CommunityReport, o: StrategyOutcome): number {
  return report.pvWh === 0n ? 0 : 1 - Number(o.toGridWh) / Number(report.pvWh)
}

/** Share of the perfect-foresight savings (vs grid only) a strategy captures. */
export function savingsShare(report: CommunityReport, o: StrategyOutcome): number {
  return Number(report.gridOnly.cost - o.cost) / Number(report.gridOnly.cost - report.perfect.cost)
}
