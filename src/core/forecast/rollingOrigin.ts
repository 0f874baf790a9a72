import { GridletError } from '../errors.js'
import { createForecaster } from './createForecaster.js'
import { pinball } from './stats.js'
import type { ForecasterInit, ModelName } from './types.js'

/** A series on a regular grid; NaN = no reading. */
export interface EvalSeries {
  readonly id: string
  readonly startMs: number
  readonly wh: Float64Array
}

export interface RollingOriginOptions extends ForecasterInit {
  readonly models: readonly ModelName[]
  /** Time of day (ms after UTC midnight) of each day's forecast origin. */
  readonly originOfDayMs: number
  /** Slots forecast from each origin. Default one day. */
  readonly horizonSlots?: number
  /** Days of readings every household must have before its first test origin. */
  readonly warmupDays: number
  /** Test origins are the last `testDays` days of each series (after the warm-up). */
  readonly testDays: number
  /** Monotonic milliseconds, injected to time the models; omit to skip timing. */
  readonly now?: () => number
}

/** Accumulated errors of one model over the test points. */
export interface ModelScore {
  readonly model: ModelName
  n: number
  absErr: number
  sqErr: number
  pinball: number
  /** Test points that count for coverage: those not forecast as surely zero (PV at night). */
  covered: number
  /** Of those, points whose reading is below p10 / p90 (a tie counts half: meter readings are whole Wh). */
  belowP10: number
  belowP90: number
  /** Per series: sum of absolute errors (for per-household MASE). */
  readonly absErrBySeries: Map<string, number>
  /** Time in `forecast` calls (the daily refit and the 24 h prediction), and in `observe`. */
  forecastMs: number
  observeMs: number
  forecastCalls: number
  maxForecastMs: number
}

/**
 * Rolling-origin evaluation: replays every series reading by reading into one fresh forecaster per model, and
 * at each test origin (once a day) asks for the next `horizonSlots` slots before it has seen them. Training uses
 * the past only by construction. A test point counts when its reading exists; every model is scored on the
 * same points.
 */
export function rollingOrigin(series: readonly EvalSeries[], opts: RollingOriginOptions): ModelScore[] {
  const slotMs = opts.slotMs ?? 1_800_000
  const spd = 86_400_000 / slotMs
  const horizon = opts.horizonSlots ?? spd
  const now = opts.now
  const scores: ModelScore[] = opts.models.map((model) => ({
    model,
    n: 0,
    absErr: 0,
    sqErr: 0,
    pinball: 0,
    covered: 0,
    belowP10: 0,
    belowP90: 0,
    absErrBySeries: new Map(),
    forecastMs: 0,
    observeMs: 0,
    forecastCalls: 0,
    maxForecastMs: 0,
  }))
  for (const s of series) {
    const forecasters = opts.models.map((m) => createForecaster(m, opts))
    const firstSlot = s.startMs / slotMs
    const originPhase = opts.originOfDayMs / slotMs
    const lastOrigin = Math.floor((firstSlot + s.wh.length - horizon - originPhase) / spd) * spd + originPhase
    const firstOrigin = Math.max(firstSlot + opts.warmupDays * spd, lastOrigin - (opts.testDays - 1) * spd)
    let fed = 0
    for (let origin = firstOrigin; origin <= lastOrigin; origin += spd) {
      const upto = origin - firstSlot
      forecasters.forEach((f, m) => {
        const t0 = now?.() ?? 0
        for (let i = fed; i < upto; i++) f.observe((firstSlot + i) * slotMs, s.wh[i]!)
        if (now) scores[m]!.observeMs += now() - t0
      })
      fed = upto
      forecasters.forEach((f, m) => {
        const score = scores[m]!
        const t0 = now?.() ?? 0
        const q = f.forecast(origin * slotMs, horizon)
        if (now) {
          const dt = now() - t0
          score.forecastMs += dt
          score.maxForecastMs = Math.max(score.maxForecastMs, dt)
        }
        score.forecastCalls++
        let hhAbs = 0
        for (let j = 0; j < horizon; j++) {
          const y = s.wh[upto + j]!
          if (Number.isNaN(y)) continue
          const e = q.p50[j]! - y
          score.n++
          score.absErr += Math.abs(e)
          hhAbs += Math.abs(e)
          score.sqErr += e * e
          score.pinball += (pinball(0.1, q.p10[j]!, y) + pinball(0.5, q.p50[j]!, y) + pinball(0.9, q.p90[j]!, y)) / 3
          if (q.p90[j]! > 0) {
            score.covered++
            score.belowP10 += below(y, q.p10[j]!)
            score.belowP90 += below(y, q.p90[j]!)
          }
        }
        score.absErrBySeries.set(s.id, (score.absErrBySeries.get(s.id) ?? 0) + hhAbs)
      })
    }
  }
  return scores
}

/** The summary line of one model: MAE, RMSE, MASE = MAE / reference MAE on the same points, pinball, coverage. */
export interface ModelSummary {
  readonly model: ModelName
  readonly points: number
  readonly mae: number
  readonly rmse: number
  readonly mase: number
  /** Mean over series of the per-series MAE ratio to the reference. */
  readonly maseSeriesMean: number
  /** Mean pinball loss over the 10/50/90% quantiles, Wh. */
  readonly pinball: number
  readonly coverageP10: number
  readonly coverageP90: number
  /** Mean and worst time of one `forecast` call (refit + prediction), ms; observe time per day, ms. */
  readonly forecastMs: number
  readonly maxForecastMs: number
  readonly observeMsPerDay: number
}

export function summarize(scores: readonly ModelScore[], reference: ModelName): ModelSummary[] {
  const ref = scores.find((s) => s.model === reference)
  if (!ref)
    throw new GridletError('the reference model was not evaluated', {
      code: 'FORECAST_REFERENCE',
      field: 'reference',
      details: `${reference} is not among the evaluated models`,
    })
  return scores.map((s) => {
    const ratios = [...s.absErrBySeries].flatMap(([id, e]) => {
      const r = ref.absErrBySeries.get(id)
      return r ? [e / r] : []
    })
    return {
      model: s.model,
      points: s.n,
      mae: s.absErr / s.n,
      rmse: Math.sqrt(s.sqErr / s.n),
      mase: s.absErr / ref.absErr,
      maseSeriesMean: ratios.reduce((a, b) => a + b, 0) / ratios.length,
      pinball: s.pinball / s.n,
      coverageP10: s.belowP10 / s.covered,
      coverageP90: s.belowP90 / s.covered,
      forecastMs: s.forecastMs / s.forecastCalls,
      maxForecastMs: s.maxForecastMs,
      observeMsPerDay: s.observeMs / s.forecastCalls,
    }
  })
}

function below(y: number, q: number): number {
  return y < q ? 1 : y === q ? 0.5 : 0
}
