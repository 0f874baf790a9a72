import { GridletError } from '../errors.js'
import { persistence, recentMean, seasonalNaive, seasonalNaiveWeek } from './baselines.js'
import { empiricalProfile } from './empiricalProfile.js'
import { holtWinters } from './holtWinters.js'
import { quantileRegression } from './quantileRegression.js'
import { slotGrid } from './slotGrid.js'
import { type Forecaster, type ForecasterInit, MODEL_NAMES, type ModelName, type SlotGrid } from './types.js'

const FACTORIES: Record<ModelName, (grid: SlotGrid) => Forecaster> = {
  persistence,
  'seasonal-naive': seasonalNaive,
  'seasonal-naive-week': seasonalNaiveWeek,
  'recent-mean': recentMean,
  'holt-winters': (grid) => holtWinters(grid),
  'empirical-profile': empiricalProfile,
  'quantile-regression': (grid) => quantileRegression(grid),
}

/**
 * A fresh forecaster for one household and one series (load or PV).
 *
 * @example
 * const f = createForecaster('empirical-profile', { utcOffsetMs: 10 * 3_600_000 })
 * f.observe(Date.UTC(2013, 0, 1, 0, 0), 240)
 * const { p10, p50, p90 } = f.forecast(Date.UTC(2013, 0, 1, 0, 30), 48)
 */
export function createForecaster(model: ModelName, init: ForecasterInit = {}): Forecaster {
  const factory = FACTORIES[model]
  if (!factory)
    throw new GridletError('unknown forecasting model', {
      code: 'FORECAST_MODEL',
      field: 'model',
      details: `got ${String(model)}; known: ${MODEL_NAMES.join(', ')}`,
    })
  return factory(slotGrid(init))
}
