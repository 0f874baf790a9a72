import { ResidualBook } from './residualBook.js'
import { checkHorizon, slotOf } from './slotGrid.js'
import { SlotHistory } from './slotHistory.js'
import type { Forecaster, Quantiles, SlotGrid } from './types.js'

/** Smoothing constants: level, daily season, weekly season; and the error clip in running mean absolute errors. */
export interface HoltWintersParams {
  readonly alpha: number
  readonly delta: number
  readonly omega: number
  readonly clip: number
}

/** Chosen on a handful of SGSC households (see docs/forecasting.md); small because single-home load is noisy. */
export const HOLT_WINTERS_DEFAULTS: HoltWintersParams = { alpha: 0.01, delta: 0.05, omega: 0.05, clip: 1.5 }

/**
 * Double-seasonal additive Holt-Winters (Taylor 2003: a level plus a daily and a weekly seasonal index), updated
 * once per reading in O(1). Household load is spiky, so each error is clipped to `clip` times its running mean
 * absolute value before it moves the state: a kettle does not shift tomorrow's profile (a robust, median-leaning
 * variant). The first week seeds the weekly index directly. Missing readings leave the state as it is. Quantiles
 * are conformal (ResidualBook). Memory: 8 days of seasonal indices plus two days of history.
 */
export function holtWinters(grid: SlotGrid, params: HoltWintersParams = HOLT_WINTERS_DEFAULTS): Forecaster {
  const { alpha, delta, omega, clip } = params
  const spd = grid.spd
  const wk = 7 * spd
  const day = new Float64Array(spd)
  const week = new Float64Array(wk)
  const history = new SlotHistory(2 * spd)
  const book = new ResidualBook(grid)
  let level = 0
  let scale = 0
  let seen = 0
  let last = Number.NEGATIVE_INFINITY
  const mod = (s: number, m: number) => ((s % m) + m) % m

  function update(slot: number, y: number): void {
    const d = mod(slot, spd)
    const w = mod(slot, wk)
    if (seen < wk) {
      // Seeding week: running mean as level, deviations as the weekly index.
      seen++
      level += (y - level) / seen
      week[w] = y - level
      scale += (Math.abs(y - level) - scale) / seen
      return
    }
    const e = y - (level + day[d]! + week[w]!)
    const bound = clip * scale
    const c = bound > 0 ? Math.max(-bound, Math.min(bound, e)) : e
    scale += 0.01 * (Math.abs(e) - scale)
    level += alpha * c
    day[d] = day[d]! + delta * c
    week[w] = week[w]! + omega * c
  }

  return {
    model: 'holt-winters',
    observe(slotStartMs, wh) {
      const slot = slotOf(grid, slotStartMs)
      book.settle(slot, wh)
      if (Number.isNaN(wh)) return
      history.put(slot, wh)
      if (slot <= last) return
      last = slot
      update(slot, wh)
    },
    forecast(fromSlotStartMs, horizonSlots): Quantiles {
      checkHorizon(grid, horizonSlots)
      const from = slotOf(grid, fromSlotStartMs)
      const p50 = new Float64Array(horizonSlots)
      for (let j = 0; j < horizonSlots; j++) {
        const s = from + j
        p50[j] = seen === 0 ? 0 : level + day[mod(s, spd)]! + week[mod(s, wk)]!
      }
      return book.wrap(from, p50, history)
    },
  }
}
