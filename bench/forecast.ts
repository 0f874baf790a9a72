/**
 * `npm run eval:forecast [-- --json] [--households N] [--test-days D]`: rolling-origin, day-ahead evaluation of
 * every forecasting model on the real Ausgrid data in sim/data (or $GRIDLET_DATA). Load models on the 34 SGSC households
 * (general consumption), PV models on the customer-12 PV series. One origin a day at local midnight (14:00 UTC,
 * AEST), 48 half-hour slots ahead, training on the past only.
 */
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createForecaster } from '../src/core/forecast/createForecaster.js'
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
    plot: { type: 'string' },
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

function report(series: 'load' | 'pv', rows: ModelSummary[], households: number, window: string): void {
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
    `\n${series === 'load' ? 'LOAD' : 'PV'}: ${households} series, ${window} (after 28 warm-up days), ` +
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

if (values.plot) plot(values.plot)
const which = new Set(values.plot ? [] : values.series.split(','))
if (which.has('load')) {
  const { households } = loadSgsc()
  const take = values.households ? households.slice(0, Number(values.households)) : households
  const series: EvalSeries[] = take.map((h) => ({ id: h.id, startMs: h.general.startMs, wh: h.general.wh }))
  report(
    'load',
    summarize(rollingOrigin(series, common), 'seasonal-naive'),
    series.length,
    `last ${testDays} days each`,
  )
}
if (which.has('pv')) {
  const { pv } = loadPv()
  const rows = summarize(
    rollingOrigin([{ id: pv.id, startMs: pv.startMs, wh: pv.wh }], { ...common, testDays: 366 }),
    'seasonal-naive',
  )
  report('pv', rows, 1, 'every day')
}

/**
 * `--plot FILE.svg`: one week of day-ahead forecasts (quantile regression, band p10..p90) against the meter for
 * household 10006414, the week starting local Monday 2014-02-03 (inside the test window).
 */
function plot(file: string): void {
  const { households } = loadSgsc(undefined, new Set(['10006414']))
  const h = households[0]!.general
  const f = createForecaster('quantile-regression', { utcOffsetMs: 10 * HOUR })
  const start = Date.parse('2014-02-02T14:00:00Z')
  const days = 7
  const actual: number[] = []
  const q: { p10: number; p50: number; p90: number }[] = []
  const slot = (ms: number) => (ms - h.startMs) / 1_800_000
  for (let i = 0; i < slot(start); i++) f.observe(h.startMs + i * 1_800_000, h.wh[i]!)
  for (let d = 0; d < days; d++) {
    const origin = start + d * 86_400_000
    const fc = f.forecast(origin, 48)
    for (let j = 0; j < 48; j++) {
      const i = slot(origin) + j
      q.push({ p10: fc.p10[j]!, p50: fc.p50[j]!, p90: fc.p90[j]! })
      actual.push(h.wh[i]!)
      f.observe(h.startMs + i * 1_800_000, h.wh[i]!)
    }
  }
  const W = 960
  const Hh = 360
  const m = { l: 56, r: 16, t: 36, b: 40 }
  const n = actual.length
  const ymax = Math.ceil(Math.max(...actual.filter(Number.isFinite), ...q.map((x) => x.p90)) / 250) * 250
  const x = (i: number) => m.l + ((W - m.l - m.r) * i) / (n - 1)
  const y = (v: number) => Hh - m.b - ((Hh - m.t - m.b) * v) / ymax
  const path = (vals: number[]) =>
    vals
      .map((v, i) =>
        Number.isFinite(v)
          ? `${i === 0 || !Number.isFinite(vals[i - 1]!) ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`
          : '',
      )
      .join('')
  const band = `M${q.map((v, i) => `${x(i).toFixed(1)},${y(v.p90).toFixed(1)}`).join('L')}L${q
    .map((v, i) => `${x(i).toFixed(1)},${y(v.p10).toFixed(1)}`)
    .reverse()
    .join('L')}Z`
  const grid: string[] = []
  for (let v = 0; v <= ymax; v += 250)
    grid.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
    )
  const names = ['Mon 3 Feb', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
  for (let d = 0; d <= days; d++)
    grid.push(`<line x1="${x(d * 48)}" x2="${x(d * 48)}" y1="${m.t}" y2="${Hh - m.b}" stroke="#ccc"/>`)
  for (let d = 0; d < days; d++)
    grid.push(`<text x="${x(d * 48 + 24)}" y="${Hh - m.b + 18}" text-anchor="middle">${names[d]}</text>`)
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${m.l}" y="20" font-size="14">SGSC household 10006414, week of 3 Feb 2014: day-ahead forecast (quantile regression) vs meter, Wh per half hour</text>
${grid.join('\n')}
<path d="${band}" fill="#4a90d9" fill-opacity="0.25" stroke="none"/>
<path d="${path(q.map((v) => v.p50))}" fill="none" stroke="#1f5fa8" stroke-width="1.6"/>
<path d="${path(actual)}" fill="none" stroke="#d2452b" stroke-width="1.2"/>
<rect x="${W - 300}" y="${m.t + 4}" width="284" height="52" fill="white" stroke="#ccc"/>
<rect x="${W - 292}" y="${m.t + 12}" width="18" height="10" fill="#4a90d9" fill-opacity="0.25"/><text x="${W - 268}" y="${m.t + 21}">p10-p90 band</text>
<line x1="${W - 292}" x2="${W - 274}" y1="${m.t + 33}" y2="${m.t + 33}" stroke="#1f5fa8" stroke-width="1.6"/><text x="${W - 268}" y="${m.t + 37}">p50 (issued at local midnight)</text>
<line x1="${W - 292}" x2="${W - 274}" y1="${m.t + 48}" y2="${m.t + 48}" stroke="#d2452b" stroke-width="1.2"/><text x="${W - 268}" y="${m.t + 52}">meter reading</text>
<text x="14" y="${(Hh - m.b + m.t) / 2}" transform="rotate(-90 14 ${(Hh - m.b + m.t) / 2})" text-anchor="middle">Wh</text>
</svg>
`
  writeFileSync(file, svg)
}
