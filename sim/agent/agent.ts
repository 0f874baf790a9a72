import { GridletError } from '../../src/core/errors.js'
import { createForecaster } from '../../src/core/forecast/createForecaster.js'
import type { Forecaster, Quantiles } from '../../src/core/forecast/types.js'
import { clampIntents, DEFAULT_ORDER_LIMITS, mergeCurve } from '../../src/core/order/orderPolicy.js'
import type { Side } from '../../src/core/order/types.js'
import { createStrategy, type OrderIntent, type Strategy, type Tariff } from '../../src/core/strategy/index.js'
import { draw32, Stream } from '../random.js'
import { type ForecastChoice, householdChoice, type Scenario } from '../scenario/schema.js'

/**
 * A simulated household's decisions, shared by both modes so they place the same orders: the core forecaster
 * (`createForecaster`) learns the household's metered import and export online, and once a day the core strategy
 * (`createStrategy(...).plan`) turns the day's forecast into order intents. Fast mode feeds it the assembled meter
 * series; a network-mode node feeds it what it read over Modbus.
 *
 * The household forecasts what its grid meter shows (import and export per interval; PV and battery sit behind
 * the meter), because that is what its node reads and what the imbalance rule settles.
 */

/** Readings newer than this many intervals before a day's first interval are not used to plan that day. */
export const PLAN_LAG = 2

/**
 * Most orders a household places per interval (nonces 0..15), the node's default: a longer plan is merged down to
 * it by the core order policy (`mergeCurve`), in both modes as in the node.
 */
export const MAX_ORDERS_PER_INTERVAL = DEFAULT_ORDER_LIMITS.maxOrders

/** One order intent in plain numbers: period interval index, side, Wh, limit (token units per kWh). */
export interface PlannedOrder {
  readonly k: number
  readonly side: Side
  readonly quantityWh: number
  readonly limitPrice: number
}

export interface AgentInit {
  readonly scenario: Scenario
  readonly h: number
  /** Whether the household has PV (it then forecasts export; a home without PV never sells). */
  readonly hasPv: boolean
  /** Market interval id of the period's first interval. */
  readonly firstInterval: number
  /** Intervals of history before the period (index `j` counts from there: j = warmup + k). */
  readonly warmup: number
  readonly retail: ArrayLike<number>
  readonly feedIn: ArrayLike<number>
}

/** What `perfect` sees: the true import and export of the intervals it plans. */
export interface Oracle {
  readonly importWh: ArrayLike<number>
  readonly exportWh: ArrayLike<number>
}

export interface HouseholdAgent {
  /** Feeds the metered import and export (Wh) of history index `j` (in order; NaN: no reading). */
  observe(j: number, importWh: number, exportWh: number): void
  /**
   * Plans period intervals [k0, k0 + horizon): forecasts them (for `perfect`, takes `oracle`) and asks the
   * strategy. Intents come back grouped by interval, in plan order: an order's nonce is its place among the
   * household's orders of its interval.
   */
  plan(k0: number, horizon: number, oracle?: Oracle): PlannedOrder[]
}

/**
 * @example
 * const agent = householdAgent({ scenario, h: 3, hasPv: true, firstInterval, warmup: 336, retail, feedIn })
 * for (let j = 0; j < 334; j++) agent.observe(j, imp[j], exp[j])
 * const orders = agent.plan(0, 48)
 */
export function householdAgent(init: AgentInit): HouseholdAgent {
  const s = init.scenario
  const choice = householdChoice(s, init.h)
  const intervalS = s.intervalMinutes * 60
  const slotMs = intervalS * 1000
  const forecasters = choice.forecast === 'perfect' ? undefined : makeForecasters(s, choice.forecast, init.hasPv)
  const strategy: Strategy = createStrategy(choice.strategy.name, { seed: draw32(s.seed, Stream.LimitPrice, init.h) })
  const msOf = (j: number) => (init.firstInterval - init.warmup + j) * slotMs
  return {
    observe(j, importWh, exportWh) {
      if (!forecasters) return
      forecasters.load.observe(msOf(j), importWh)
      forecasters.pv?.observe(msOf(j), exportWh)
    },
    plan(k0, horizon, oracle) {
      let load: Quantiles
      let pv: Quantiles | undefined
      if (forecasters) {
        const from = msOf(init.warmup + k0)
        load = forecasters.load.forecast(from, horizon)
        pv = forecasters.pv?.forecast(from, horizon)
      } else {
        if (!oracle) throw new GridletError('the perfect forecast needs the oracle', { code: 'SIM_ORACLE_MISSING' })
        load = exact(oracle.importWh, horizon)
        pv = init.hasPv ? exact(oracle.exportWh, horizon) : undefined
      }
      const tariffs: Tariff[] = []
      for (let i = 0; i < horizon; i++) {
        tariffs.push({ retailPrice: BigInt(init.retail[k0 + i] ?? 0), feedInPrice: BigInt(init.feedIn[k0 + i] ?? 0) })
      }
      const first = BigInt(init.firstInterval + k0)
      const intents = strategy.plan({ firstInterval: first, intervalS, load, ...(pv ? { pv } : {}), tariffs })
      const byInterval: OrderIntent[][] = Array.from({ length: horizon }, () => [])
      for (const o of intents) byInterval[Number(o.interval - first)]?.push(o)
      // The node's order policy: clamped to the node's default bounds and the interval's tariff, merged to 16.
      return byInterval.flatMap((xs, i) => {
        const tariff = tariffs[i]!
        const bounds = {
          ...DEFAULT_ORDER_LIMITS,
          minSellPrice: tariff.feedInPrice,
          maxBuyPrice: tariff.retailPrice,
        }
        return mergeCurve(clampIntents(xs, bounds), bounds.maxOrders).map((o) => ({
          k: k0 + i,
          side: o.side,
          quantityWh: Number(o.quantityWh),
          limitPrice: Number(o.limitPrice),
        }))
      })
    },
  }
}

function makeForecasters(s: Scenario, model: Exclude<ForecastChoice, 'perfect'>, hasPv: boolean) {
  const init = { slotMs: s.intervalMinutes * 60_000, utcOffsetMs: s.tariff.utcOffsetHours * 3_600_000 }
  const load: Forecaster = createForecaster(model, init)
  const pv: Forecaster | undefined = hasPv ? createForecaster(model, init) : undefined
  return { load, pv }
}

function exact(values: ArrayLike<number>, n: number): Quantiles {
  const v = Float64Array.from({ length: n }, (_, i) => values[i] ?? 0)
  return { p10: v, p50: v, p90: v }
}

/** The days a run plans, from the period start: period intervals [k0, k0 + horizon). */
export function planDays(T: number, perDay: number): { k0: number; horizon: number }[] {
  const out: { k0: number; horizon: number }[] = []
  for (let k0 = 0; k0 < T; k0 += perDay) out.push({ k0, horizon: Math.min(perDay, T - k0) })
  return out
}

/** What a meter's import and export registers count for a net position (Wh, > 0 import) over one interval. */
export const importOf = (net: number) => Math.max(0, net)
export const exportOf = (net: number) => Math.max(0, -net)
