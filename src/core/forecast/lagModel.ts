import { ResidualBook } from './residualBook.js'
import { checkHorizon, slotOf } from './slotGrid.js'
import { SlotHistory } from './slotHistory.js'
import type { Forecaster, ModelName, Quantiles, SlotGrid } from './types.js'

/** A point rule: the forecast for `slot` from readings strictly before slot `before`; NaN if it has no data. */
export type PointRule = (history: SlotHistory, slot: number, before: number, grid: SlotGrid) => number

/**
 * A forecaster whose point forecast is a rule over past readings (a ring of `historyDays` days) and whose
 * quantiles are conformal (see ResidualBook). When the rule has no data for a slot, the mean of whatever the last
 * two weeks hold for that slot of day stands in, else 0.
 */
export function lagModel(model: ModelName, grid: SlotGrid, historyDays: number, rule: PointRule): Forecaster {
  const history = new SlotHistory(historyDays * grid.spd)
  const book = new ResidualBook(grid)
  return {
    model,
    observe(slotStartMs, wh) {
      const slot = slotOf(grid, slotStartMs)
      book.settle(slot, wh)
      if (!Number.isNaN(wh)) history.put(slot, wh)
    },
    forecast(fromSlotStartMs, horizonSlots): Quantiles {
      checkHorizon(grid, horizonSlots)
      const from = slotOf(grid, fromSlotStartMs)
      const before = history.originFor(from)
      const p50 = new Float64Array(horizonSlots)
      for (let j = 0; j < horizonSlots; j++) {
        const v = rule(history, from + j, before, grid)
        p50[j] = Number.isNaN(v) ? fallback(history, from + j, before, grid) : v
      }
      return book.wrap(from, p50, history)
    },
  }
}

function fallback(history: SlotHistory, slot: number, before: number, grid: SlotGrid): number {
  const recent = history.sameSlotDays(slot, before, 14, grid.spd, 0, [])
  return recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : 0
}

/** The same slot on the most recent day (k = 1, 2, ...) with a reading, searching back `maxDays`. */
export function lastSameSlot(history: SlotHistory, slot: number, before: number, spd: number, step: number): number {
  let k = Math.max(1, Math.ceil((slot - before + 1) / (spd * step)))
  for (let n = 0; n < 7; n++, k++) {
    const v = history.get(slot - k * spd * step)
    if (!Number.isNaN(v)) return v
  }
  return Number.NaN
}
