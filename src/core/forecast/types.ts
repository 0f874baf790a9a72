/**
 * Forecasting in the pure core: every model is deterministic given the readings it was shown, keeps bounded
 * memory per household, and updates online as readings arrive. Slots are the forecaster's resolution (the meter's
 * half hour by default); a slot is named by its start in unix milliseconds, and internally by `floor(ms / slotMs)`.
 */

/** Quantile forecasts for consecutive slots, Wh per slot. `p10 <= p50 <= p90` slot by slot. */
export interface Quantiles {
  readonly p10: Float64Array
  readonly p50: Float64Array
  readonly p90: Float64Array
}

export interface Forecaster {
  readonly model: ModelName
  /**
   * Feeds the reading of the slot starting at `slotStartMs` (Wh in that slot; NaN = no reading). Readings should
   * arrive in time order; a late one is stored for the lag features but does not rewind recursive state.
   */
  observe(slotStartMs: number, wh: number): void
  /** Forecasts `horizonSlots` consecutive slots starting with the slot at `fromSlotStartMs`. */
  forecast(fromSlotStartMs: number, horizonSlots: number): Quantiles
}

export interface ForecasterInit {
  /** Slot length in ms; divides a day. Default 30 minutes (the meter data's resolution). */
  readonly slotMs?: number
  /** Offset of the household's civil day from UTC, ms, for calendar features (weekday/weekend). Default 0. */
  readonly utcOffsetMs?: number
  /** Clamp forecasts at 0 (load and PV are never negative). Default true. */
  readonly nonNegative?: boolean
  /**
   * Intraday correction, in [0, 1): the latest reading's departure from the model's own median for it carries
   * into the forecast h slots later with weight `residualDecay ** h` (all three quantiles shift). Worth it where
   * departures persist - PV under a passing cloud cover (0.9 measured best for bidding) - not for household load,
   * whose departures are appliance spikes. Default 0 (off). Used by `empirical-profile`.
   */
  readonly residualDecay?: number
}

export const MODEL_NAMES = [
  'persistence',
  'seasonal-naive',
  'seasonal-naive-week',
  'recent-mean',
  'holt-winters',
  'empirical-profile',
  'quantile-regression',
] as const
export type ModelName = (typeof MODEL_NAMES)[number]

export const DAY_MS = 86_400_000

/** Resolved settings shared by all models. */
export interface SlotGrid {
  readonly slotMs: number
  /** Slots per day. */
  readonly spd: number
  readonly utcOffsetMs: number
  readonly nonNegative: boolean
  readonly residualDecay: number
}
