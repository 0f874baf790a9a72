import type { Quantiles } from '../core/forecast/types.js'
import type { Decider } from './ports.js'

/** One interval's forecast as the node decides with it: imports (load) and exports (PV) in Wh, and their net. */
export interface IntervalForecast {
  readonly load: Quantiles
  readonly pv: Quantiles
  /** Median exports - imports, Wh: positive is a surplus to sell. */
  readonly netWh: number
}

/** What the node knows besides the models: how many intervals it measured and the power of the last reading. */
export interface ForecastHistory {
  readonly measuredIntervals: number
  readonly powerW?: number
}

/**
 * Interval `k`'s forecast from the decider's forecasters. Until a day of intervals is measured the models have
 * nothing to say: the current power is held for the interval instead (a fresh node still trades from its first hour).
 *
 * @example
 * const f = forecastInterval(decider, k, 900, { measuredIntervals: 400 })
 */
export function forecastInterval(d: Decider, k: number, lengthS: number, h: ForecastHistory): IntervalForecast {
  const young = h.measuredIntervals < 86_400 / lengthS && h.powerW !== undefined
  const startMs = k * lengthS * 1000
  const load = young ? fromPower(Math.max(0, h.powerW!), lengthS) : d.load.forecast(startMs, 1)
  const pv = young ? fromPower(Math.max(0, -h.powerW!), lengthS) : d.pv.forecast(startMs, 1)
  return { load, pv, netWh: Math.round((pv.p50[0] ?? 0) - (load.p50[0] ?? 0)) }
}

function fromPower(w: number, lengthS: number): Quantiles {
  const wh = (w * lengthS) / 3600
  return { p10: Float64Array.of(wh * 0.7), p50: Float64Array.of(wh), p90: Float64Array.of(wh * 1.3) }
}
