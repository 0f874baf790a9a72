/**
 * One meter sample as the node stores it and the forecasters learn from it: the meter adapter (src/meter) turns a
 * device's registers into this, the store persists it, the node's loop reads it. Energy counters are the meter's
 * cumulative registers in whole Wh.
 */
export interface MeterReading {
  /** Unix ms when the sample was taken (node clock). */
  readonly ts: number
  /** Net active power in W: positive = importing from the grid, negative = exporting. */
  readonly powerW: number
  readonly importWh: number
  readonly exportWh: number
}

/** Why a meter read failed; kept apart so metrics can tell a dead bus from a busy meter. */
export type MeterErrorKind = 'timeout' | 'unavailable' | 'invalid' | 'other'
