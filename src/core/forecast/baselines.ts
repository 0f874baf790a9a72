import { lagModel, lastSameSlot } from './lagModel.js'
import type { Forecaster, SlotGrid } from './types.js'

/** Persistence: every upcoming slot gets the latest reading. */
export function persistence(grid: SlotGrid): Forecaster {
  return lagModel('persistence', grid, 2, (h, _slot, before) => {
    for (let s = before - 1; s >= before - grid.spd; s--) {
      const v = h.get(s)
      if (!Number.isNaN(v)) return v
    }
    return Number.NaN
  })
}

/**
 * Seasonal naive with a daily season: the same slot on the most recent day already observed ("yesterday" for a
 * day-ahead forecast). The reference for MASE.
 */
export function seasonalNaive(grid: SlotGrid): Forecaster {
  return lagModel('seasonal-naive', grid, 8, (h, slot, before) => lastSameSlot(h, slot, before, grid.spd, 1))
}

/** Seasonal naive with a weekly season: the same slot of the same weekday, last week. */
export function seasonalNaiveWeek(grid: SlotGrid): Forecaster {
  return lagModel('seasonal-naive-week', grid, 7 * 8, (h, slot, before) => lastSameSlot(h, slot, before, grid.spd, 7))
}

/** Mean of the same slot over the last 7 days observed. */
export function recentMean(grid: SlotGrid): Forecaster {
  return lagModel('recent-mean', grid, 8, (h, slot, before) => {
    const v = h.sameSlotDays(slot, before, 7, grid.spd, 0, [])
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN
  })
}
