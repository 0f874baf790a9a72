import { drawUnit, Stream } from '../random.js'
import type { Scenario } from '../scenario/schema.js'

/**
 * What a simulated household does before each interval's gate closure: forecast its grid position from its meter
 * history, then choose an order. Pure and shared by both modes: fast mode calls it on the assembled series, a
 * network-mode node on the history it read from its Modbus meter, so both place the same orders.
 */

export type ForecastModel = Scenario['households']['forecast']
export type StrategyConfig = Scenario['households']['strategy']

/**
 * Forecast of the grid position (Wh, > 0 import) of history index `j`, using only `history[j - perDay]` and older
 * (a day-ahead market: yesterday's readings are always in by gate closure), except `perfect`, an oracle that reads
 * `history[j]` itself.
 */
export function forecastAt(model: ForecastModel, history: Int32Array, j: number, perDay: number): number {
  if (model === 'perfect') return history[j] as number
  if (model === 'persistence') return history[j - perDay] as number
  let sum = 0
  for (let d = 1; d <= 7; d++) sum += history[j - d * perDay] as number
  return Math.round(sum / 7)
}

/**
 * Limit price (token units per kWh) for household `h` in period interval `k`, side buy when `buy`.
 * Always within [feedIn, retail] (and at least 1, the core's lowest valid price): nobody buys locally above the
 * retail price or sells below the feed-in price.
 */
export function limitPriceFor(
  strategy: StrategyConfig,
  seed: number,
  h: number,
  k: number,
  buy: boolean,
  retail: number,
  feedIn: number,
): number {
  return Math.max(1, limitIn(strategy, seed, h, k, buy, retail, feedIn))
}

function limitIn(
  strategy: StrategyConfig,
  seed: number,
  h: number,
  k: number,
  buy: boolean,
  retail: number,
  feedIn: number,
): number {
  const spread = Math.max(0, retail - feedIn)
  switch (strategy.kind) {
    case 'truthful':
      return buy ? retail : feedIn
    case 'markup': {
      const m = Math.floor((spread * strategy.markupPct) / 100)
      return buy ? retail - m : feedIn + m
    }
    case 'zi':
      return feedIn + Math.floor(drawUnit(seed, Stream.LimitPrice, h, k) * (spread + 1))
  }
}

/** Per household and interval of the period: the order decided (qty > 0 buy, < 0 sell, 0 none) and its limit. */
export interface OrderPlan {
  /** Signed quantity, Wh, `[h * T + k]`. */
  readonly qty: Int32Array
  readonly limit: Int32Array
  /** Households that equivocate in an interval: 1 where the node signs two different orders for its slot. */
  readonly equivocate: Uint8Array
}

/** Quantity (signed) for a forecast: nothing below the minimum order size. */
export function orderQuantity(forecastWh: number, strategy: StrategyConfig): number {
  return Math.abs(forecastWh) >= strategy.minOrderWh ? forecastWh : 0
}

/** True when household `h` is offline (sends nothing) in period interval `k` under the scenario's faults. */
export function faultAt(s: Scenario, kind: 'offline' | 'equivocate', h: number, k: number): boolean {
  return s.faults.some((f) => f.kind === kind && k >= f.fromInterval && k <= f.toInterval && f.households.includes(h))
}

/** The whole plan of a fast-mode run, from the assembled grid positions. */
export function planOrders(
  s: Scenario,
  c: {
    n: number
    T: number
    warmup: number
    stride: number
    intervalS: number
    net: Int32Array
    retail: Int32Array
    feedIn: Int32Array
  },
): OrderPlan {
  const { n, T, warmup, stride } = c
  const perDay = 86_400 / c.intervalS
  const qty = new Int32Array(n * T)
  const limit = new Int32Array(n * T)
  const equivocate = new Uint8Array(n * T)
  const { forecast, strategy } = s.households
  for (let h = 0; h < n; h++) {
    const history = c.net.subarray(h * stride, (h + 1) * stride)
    for (let k = 0; k < T; k++) {
      const q = orderQuantity(forecastAt(forecast, history, warmup + k, perDay), strategy)
      if (q === 0) continue
      qty[h * T + k] = q
      limit[h * T + k] = limitPriceFor(strategy, s.seed, h, k, q > 0, c.retail[k] as number, c.feedIn[k] as number)
    }
  }
  for (const f of s.faults) {
    for (const h of f.households) {
      for (let k = f.fromInterval; k <= Math.min(f.toInterval, T - 1); k++) {
        if (f.kind === 'offline') qty[h * T + k] = 0
        else equivocate[h * T + k] = 1
      }
    }
  }
  return { qty, limit, equivocate }
}
