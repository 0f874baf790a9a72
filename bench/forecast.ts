/**
 * `npm run eval:forecast [-- --json] [--households N] [--test-days D]`: rolling-origin, day-ahead evaluation of
 * every forecasting model on the real Ausgrid data in ../shared/data. Load models on the 34 SGSC households
 * (general consumption), PV models on the customer-12 PV series. One origin a day at local midnight (14:00 UTC,
 * AEST), 48 half-hour slots ahead, training on the past only.
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { type EvalSeries, type ModelSummary, rollingOrigin, summarize } from '../src/core/forecast/rollingOrigin.js'
import { MODEL_NAMES } from '../src/core/forecast/types.js'
import { loadPv } from '../src/data/loadPv.js'
import { loadSgsc } from '../src/data/loadSgsc.js'

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    households: { type: 'string' },
    'test-days': { type: 'string', default: '112' },
    series: { type: 'string', default: 'load,pv' },
  },
})
const testDays = Number(values['test-days'])
const HOUR = 3_600_000
const common = {
  models: MODEL_NAMES,
  originOfDayMs: 14 * HOUR,
  warmupDays: 28,
  testDays,
  utcOffsetMs: 10 * HOUR,
  now: () => performance.now(),
}

function report(series: 'load' | 'pv', rows: ModelSummary[], households: number): void {
  if (values.json) {
    for (const r of rows)
      console.log(
        JSON.stringify({
          bench: 'forecast',
          series,
          model: r.model,
          mae: round(r.mae),
          rmse: round(r.rmse),
          mase: round(r.mase, 4),
          maseSeriesMean: round(r.maseSeriesMean, 4),
          pinball: round(r.pinball),
          coverageP10: round(r.coverageP10, 4),
          coverageP90: round(r.coverageP90, 4),
          forecastMs: round(r.forecastMs, 3),
          maxForecastMs: round(r.maxForecastMs, 3),
          observeMsPerDay: round(r.observeMsPerDay, 4),
          points: r.points,
        }),
      )
    return
  }
  console.log(
    `\n${series === 'load' ? 'LOAD' : 'PV'}: ${households} series, last ${testDays} days each (after 28 warm-up days), ` +
      `day-ahead from local midnight, 48 x 30 min, ${rows[0]?.points} test points`,
  )
  console.log('MASE = model MAE / seasonal-naive (same slot, most recent day) MAE on the same test points')
  console.table(
    rows.map((r) => ({
      model: r.model,
      'MAE Wh': round(r.mae),
      'RMSE Wh': round(r.rmse),
      MASE: round(r.mase, 3),
      'MASE hh-mean': round(r.maseSeriesMean, 3),
      'pinball Wh': round(r.pinball),
      'y<=p10': pct(r.coverageP10),
      'y<=p90': pct(r.coverageP90),
      'fit+24h ms': round(r.forecastMs, 2),
      'max ms': round(r.maxForecastMs, 1),
      'observe ms/day': round(r.observeMsPerDay, 3),
    })),
  )
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d
const pct = (x: number) => `${(100 * x).toFixed(1)}%`

const which = new Set(values.series.split(','))
if (which.has('load')) {
  const { households } = loadSgsc()
  const take = values.households ? households.slice(0, Number(values.households)) : households
  const series: EvalSeries[] = take.map((h) => ({ id: h.id, startMs: h.general.startMs, wh: h.general.wh }))
  report('load', summarize(rollingOrigin(series, common), 'seasonal-naive'), series.length)
}
if (which.has('pv')) {
  const { pv } = loadPv()
  const rows = summarize(
    rollingOrigin([{ id: pv.id, startMs: pv.startMs, wh: pv.wh }], { ...common, testDays: 366 }),
    'seasonal-naive',
  )
  report('pv', rows, 1)
}
