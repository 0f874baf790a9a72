import { profileSample } from './empiricalProfile.js'
import { lastSameSlot } from './lagModel.js'
import { solveSpd } from './linalg.js'
import { finishQuantiles } from './residualBook.js'
import { checkHorizon, isWeekend, slotOf } from './slotGrid.js'
import { SlotHistory } from './slotHistory.js'
import { quantileSorted, sortNumbers } from './stats.js'
import type { Forecaster, Quantiles, SlotGrid } from './types.js'

/** Days of past "as if day-ahead" examples the regression is fitted on, and how often it is refitted. */
const TRAIN_DAYS = 28
const REFIT_DAYS = 1
const LEVELS = [0.1, 0.5, 0.9] as const
/** Features: 1, profile q10/q50/q90, yesterday, last week, 7-day mean, recent level x decay, decay, weekend. */
const P = 10
const IRLS_ITERATIONS = 12
/** Residuals below this many Wh weigh as this many: keeps IRLS weights finite. */
const IRLS_FLOOR = 5
const RIDGE = 1e-3

/**
 * Linear quantile regression on lagged values and calendar features, one fit per quantile (10/50/90%), refitted
 * once a day on the last four weeks of day-ahead examples by iteratively reweighted least squares (pinball loss).
 * Features of slot s seen from the origin: the empirical profile's three quantiles, the same slot yesterday and
 * last week, the 7-day mean, the last hour's level fading with the lead time, and a weekend flag. Memory: eight
 * weeks of readings plus 3 x 10 coefficients.
 */
export function quantileRegression(grid: SlotGrid): Forecaster {
  const spd = grid.spd
  const history = new SlotHistory((TRAIN_DAYS + 28) * spd)
  let coef: Float64Array[] | null = null
  let fittedAt = Number.NEGATIVE_INFINITY
  const row = new Float64Array(P)

  function refit(before: number): void {
    const xs: number[] = []
    const ys: number[] = []
    for (let d = TRAIN_DAYS; d >= 1; d--) {
      const origin = before - d * spd
      for (let s = origin; s < origin + spd; s++) {
        const y = history.get(s)
        if (Number.isNaN(y) || !features(history, grid, s, origin, row)) continue
        for (const v of row) xs.push(v)
        ys.push(y)
      }
    }
    if (ys.length < 4 * spd) return
    const x = Float64Array.from(xs)
    const y = Float64Array.from(ys)
    const next = LEVELS.map((tau) => irls(x, y, tau))
    if (next.every((c) => c !== null)) coef = next as Float64Array[]
  }

  return {
    model: 'quantile-regression',
    observe(slotStartMs, wh) {
      const slot = slotOf(grid, slotStartMs)
      if (!Number.isNaN(wh)) history.put(slot, wh)
    },
    forecast(fromSlotStartMs, horizonSlots): Quantiles {
      checkHorizon(grid, horizonSlots)
      const from = slotOf(grid, fromSlotStartMs)
      const before = history.originFor(from)
      if (before - fittedAt >= REFIT_DAYS * spd) {
        refit(before)
        fittedAt = before
      }
      const out = LEVELS.map(() => new Float64Array(horizonSlots))
      for (let j = 0; j < horizonSlots; j++) {
        const ok = features(history, grid, from + j, before, row)
        for (let q = 0; q < LEVELS.length; q++) {
          // Until a fit exists, or when a lag is missing, the profile quantiles stand in.
          out[q]![j] = ok && coef ? dot(coef[q]!, row) : row[1 + q]!
        }
      }
      return finishQuantiles(grid, out[0]!, out[1]!, out[2]!)
    },
  }
}

const sample: number[] = []

/** Fills `row` with the features of `slot` seen from origin `before`; false when the profile has no data. */
function features(history: SlotHistory, grid: SlotGrid, slot: number, before: number, row: Float64Array): boolean {
  sample.length = 0
  profileSample(history, grid, slot, before, sample)
  if (sample.length < 6) {
    row.fill(0)
    return false
  }
  sortNumbers(sample)
  const med = quantileSorted(sample, 0.5)
  const spd = grid.spd
  const yesterday = lastSameSlot(history, slot, before, spd, 1)
  const lastWeek = lastSameSlot(history, slot, before, spd, 7)
  let sum = 0
  let n = 0
  for (const v of history.sameSlotDays(slot, before, 7, spd, 0, [])) {
    sum += v
    n++
  }
  let level = 0
  let m = 0
  for (let s = before - 2; s < before; s++) {
    const v = history.get(s)
    if (!Number.isNaN(v)) {
      level += v
      m++
    }
  }
  const decay = Math.exp(-(slot - before) / 4)
  row[0] = 1
  row[1] = quantileSorted(sample, 0.1)
  row[2] = med
  row[3] = quantileSorted(sample, 0.9)
  row[4] = Number.isNaN(yesterday) ? med : yesterday
  row[5] = Number.isNaN(lastWeek) ? med : lastWeek
  row[6] = n ? sum / n : med
  row[7] = m ? (level / m - med) * decay : 0
  row[8] = decay
  row[9] = isWeekend(grid, slot) ? 1 : 0
  return true
}

function dot(c: Float64Array, x: Float64Array): number {
  let s = 0
  for (let i = 0; i < c.length; i++) s += c[i]! * x[i]!
  return s
}

/** Quantile regression at level tau by iteratively reweighted least squares, started from least squares. */
function irls(x: Float64Array, y: Float64Array, tau: number): Float64Array | null {
  const n = y.length
  const w = new Float64Array(n).fill(1)
  let beta: Float64Array | null = null
  for (let it = 0; it <= IRLS_ITERATIONS; it++) {
    const a = new Float64Array(P * P)
    const b = new Float64Array(P)
    for (let i = 0; i < n; i++) {
      const wi = w[i]!
      const o = i * P
      for (let r = 0; r < P; r++) {
        const xr = x[o + r]! * wi
        b[r] = b[r]! + xr * y[i]!
        for (let c = 0; c <= r; c++) a[r * P + c] = a[r * P + c]! + xr * x[o + c]!
      }
    }
    let trace = 0
    for (let r = 0; r < P; r++) trace += a[r * P + r]!
    for (let r = 0; r < P; r++) {
      a[r * P + r] = a[r * P + r]! + (RIDGE * trace) / P
      for (let c = 0; c < r; c++) a[c * P + r] = a[r * P + c]!
    }
    const next = solveSpd(a, b, P)
    if (!next) return beta
    beta = next
    for (let i = 0; i < n; i++) {
      let f = 0
      for (let r = 0; r < P; r++) f += beta[r]! * x[i * P + r]!
      const res = y[i]! - f
      w[i] = (res >= 0 ? tau : 1 - tau) / Math.max(Math.abs(res), IRLS_FLOOR)
    }
  }
  return beta
}
