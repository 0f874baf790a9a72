import { finishQuantiles } from './residualBook.js'
import { checkHorizon, isWeekend, slotOf } from './slotGrid.js'
import { SlotHistory } from './slotHistory.js'
import { quantileSorted, sortNumbers } from './stats.js'
import type { Forecaster, Quantiles, SlotGrid } from './types.js'

/** Days of recent readings pooled, and days searched for ones of the same day type (weekday / weekend). */
const RECENT_DAYS = 7
const TYPED_DAYS = 28

/**
 * Empirical conditional quantiles: for each upcoming slot, pools the readings of the same slot of day and its two
 * neighbours over the last 7 days, plus those of the same day type (weekday or weekend) over the last 4 weeks,
 * and reads the 10/50/90% quantiles off that sample. The median, not the mean, is the point forecast: a single
 * home's half-hourly load is a low base with short spikes whose timing moves from day to day, so the median of a
 * wide sample has the least absolute error. No fitting; memory is four weeks of readings. With
 * `residualDecay` > 0 the latest reading's departure from its own profile median shifts the next slots, fading
 * by that factor per slot (intraday bidding of PV under cloud).
 */
export function empiricalProfile(grid: SlotGrid): Forecaster {
  const history = new SlotHistory(TYPED_DAYS * grid.spd)
  return {
    model: 'empirical-profile',
    observe(slotStartMs, wh) {
      const slot = slotOf(grid, slotStartMs)
      if (!Number.isNaN(wh)) history.put(slot, wh)
    },
    forecast(fromSlotStartMs, horizonSlots): Quantiles {
      checkHorizon(grid, horizonSlots)
      const from = slotOf(grid, fromSlotStartMs)
      const before = history.originFor(from)
      const p10 = new Float64Array(horizonSlots)
      const p50 = new Float64Array(horizonSlots)
      const p90 = new Float64Array(horizonSlots)
      const sample: number[] = []
      const decay = grid.residualDecay
      let shift = decay > 0 ? lastResidual(history, grid, before, sample) * decay ** (from - before) : 0
      for (let j = 0; j < horizonSlots; j++) {
        sample.length = 0
        profileSample(history, grid, from + j, before, sample)
        sortNumbers(sample)
        shift *= decay
        p10[j] = sample.length ? quantileSorted(sample, 0.1) + shift : 0
        p50[j] = sample.length ? quantileSorted(sample, 0.5) + shift : 0
        p90[j] = sample.length ? quantileSorted(sample, 0.9) + shift : 0
      }
      return finishQuantiles(grid, p10, p50, p90)
    },
  }
}

/** The pooled sample behind the empirical profile (unsorted), appended to `out`. */
export function profileSample(
  history: SlotHistory,
  grid: SlotGrid,
  slot: number,
  before: number,
  out: number[],
): number[] {
  const spd = grid.spd
  const weekend = isWeekend(grid, slot)
  let k = Math.max(1, Math.ceil((slot - before + 1) / spd))
  for (let d = 0; d < TYPED_DAYS; d++, k++) {
    const c = slot - k * spd
    if (d >= RECENT_DAYS && isWeekend(grid, c) !== weekend) continue
    for (let w = -1; w <= 1; w++) {
      const i = c + w
      if (i >= before) continue
      const v = history.get(i)
      if (!Number.isNaN(v)) out.push(v)
    }
  }
  return out
}

/** The latest reading (slot `before` - 1) minus the profile median for it from the readings before it; 0 if none. */
function lastResidual(history: SlotHistory, grid: SlotGrid, before: number, sample: number[]): number {
  const y = history.get(before - 1)
  if (Number.isNaN(y)) return 0
  sample.length = 0
  profileSample(history, grid, before - 1, before - 1, sample)
  if (sample.length === 0) return 0
  sortNumbers(sample)
  return y - quantileSorted(sample, 0.5)
}
