import { createForecaster } from '../../core/forecast/createForecaster.js'
import type { ModelName, Quantiles } from '../../core/forecast/types.js'
import { createStrategy, type StrategyName } from '../../core/strategy/createStrategy.js'
import type { Forecaster, IntervalForecast, Strategy } from '../ports.js'

/** A forecast that also carries the core forecasters' quantiles for the core strategy. */
interface QuantileForecast extends IntervalForecast {
  readonly quantiles: { readonly load: Quantiles; readonly pv: Quantiles }
}

/**
 * The core forecaster and strategy (src/core/forecast, src/core/strategy) behind the node's ports. The meter gives
 * import and export counters, so the two series forecast are energy imported (stands for load) and exported
 * (stands for PV surplus) per interval; the strategy sees them as load and PV.
 *
 * @example
 * const { forecaster, strategy } = coreDecider({ intervalS: 900, model: 'empirical-profile', strategy: 'forecast-aware' })
 */
export function coreDecider(opts: { intervalS: number; model: ModelName; strategy: StrategyName }): {
  forecaster: Forecaster
  strategy: Strategy
} {
  const slotMs = opts.intervalS * 1000
  const imports = createForecaster(opts.model, { slotMs })
  const exports = createForecaster(opts.model, { slotMs })
  const plan = createStrategy(opts.strategy)
  const perDay = 86_400 / opts.intervalS
  let observed = 0
  let powerW: number | undefined
  // Until a day of intervals is known, the models have nothing to say: hold the current power for the interval.
  const fromPower = (w: number) => {
    const wh = (w * opts.intervalS) / 3600
    return { p10: Float64Array.of(wh * 0.7), p50: Float64Array.of(wh), p90: Float64Array.of(wh * 1.3) }
  }
  const forecaster: Forecaster = {
    observe(interval, m) {
      imports.observe(interval * slotMs, m.importWh)
      exports.observe(interval * slotMs, m.exportWh)
      observed++
    },
    observeReading(r) {
      powerW = r.powerW
    },
    forecast(interval): QuantileForecast {
      const young = observed < perDay && powerW !== undefined
      const load = young ? fromPower(Math.max(0, powerW!)) : imports.forecast(interval * slotMs, 1)
      const pv = young ? fromPower(Math.max(0, -powerW!)) : exports.forecast(interval * slotMs, 1)
      const loadWh = load.p50[0] ?? 0
      const pvWh = pv.p50[0] ?? 0
      return { netWh: Math.round(pvWh - loadWh), loadWh, pvWh, quantiles: { load, pv } }
    },
  }
  const strategy: Strategy = {
    decide(ctx) {
      const q = (ctx.forecast as Partial<QuantileForecast>).quantiles
      if (!q) return []
      return plan
        .plan({
          firstInterval: BigInt(ctx.interval),
          intervalS: opts.intervalS,
          load: q.load,
          pv: q.pv,
          tariffs: [{ retailPrice: ctx.retailPrice, feedInPrice: ctx.feedInPrice }],
          ...(ctx.lastClearingPrice === undefined ? {} : { expectedPrice: [ctx.lastClearingPrice] }),
        })
        .filter((i) => i.interval === BigInt(ctx.interval))
        .map(({ side, quantityWh, limitPrice }) => ({ side, quantityWh, limitPrice }))
    },
  }
  return { forecaster, strategy }
}
