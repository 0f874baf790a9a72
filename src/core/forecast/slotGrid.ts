import { GridletError } from '../errors.js'
import { DAY_MS, type ForecasterInit, type SlotGrid } from './types.js'

/** Validates forecaster settings; errors name the field. */
export function slotGrid(init: ForecasterInit = {}): SlotGrid {
  const slotMs = init.slotMs ?? 1_800_000
  if (!Number.isInteger(slotMs) || slotMs < 60_000 || DAY_MS % slotMs !== 0)
    throw new GridletError('slot length must be a whole number of ms >= 1 min that divides a day', {
      code: 'FORECAST_SLOT',
      field: 'slotMs',
      details: `got ${slotMs}`,
    })
  const utcOffsetMs = init.utcOffsetMs ?? 0
  if (!Number.isInteger(utcOffsetMs) || Math.abs(utcOffsetMs) > 14 * 3_600_000)
    throw new GridletError('UTC offset must be whole ms within +-14 h', {
      code: 'FORECAST_UTC_OFFSET',
      field: 'utcOffsetMs',
      details: `got ${utcOffsetMs}`,
    })
  const residualDecay = init.residualDecay ?? 0
  if (!(residualDecay >= 0 && residualDecay < 1))
    throw new GridletError('residual decay must be in [0, 1)', {
      code: 'FORECAST_RESIDUAL_DECAY',
      field: 'residualDecay',
      details: `got ${residualDecay}`,
    })
  return { slotMs, spd: DAY_MS / slotMs, utcOffsetMs, nonNegative: init.nonNegative ?? true, residualDecay }
}

/** Slot number of the slot starting at `ms`; the time must be on the grid. */
export function slotOf(grid: SlotGrid, ms: number): number {
  if (!Number.isFinite(ms) || ms % grid.slotMs !== 0)
    throw new GridletError('time is not the start of a slot', {
      code: 'FORECAST_SLOT_TIME',
      field: 'slotStartMs',
      details: `${ms} is not a multiple of ${grid.slotMs}`,
    })
  return ms / grid.slotMs
}

/** Whether slot `s` falls on a Saturday or Sunday of the household's civil calendar. */
export function isWeekend(grid: SlotGrid, s: number): boolean {
  const day = Math.floor((s * grid.slotMs + grid.utcOffsetMs) / DAY_MS)
  const dow = (((day + 4) % 7) + 7) % 7 // 1970-01-01 was a Thursday (4)
  return dow === 0 || dow === 6
}

/** Checks a horizon: a positive whole number of slots, at most a week. */
export function checkHorizon(grid: SlotGrid, horizonSlots: number): void {
  if (!Number.isInteger(horizonSlots) || horizonSlots < 1 || horizonSlots > 7 * grid.spd)
    throw new GridletError('horizon must be 1..7 days of slots', {
      code: 'FORECAST_HORIZON',
      field: 'horizonSlots',
      details: `got ${horizonSlots}`,
    })
}
