/** Canonical quantities a profile can map. Power is signed (+ = import from grid), energies are cumulative. */
export const QUANTITIES = [
  'activePowerW',
  'activePowerL1W',
  'activePowerL2W',
  'activePowerL3W',
  'voltageL1V',
  'voltageL2V',
  'voltageL3V',
  'currentL1A',
  'currentL2A',
  'currentL3A',
  'frequencyHz',
  'importEnergyWh',
  'exportEnergyWh',
  'pvPowerW',
  'pvEnergyWh',
] as const
export type Quantity = (typeof QUANTITIES)[number]

/** Where each quantity sits in {@link Decoded} values: its position in `QUANTITIES`. */
export const QUANTITY_INDEX = Object.freeze(
  Object.fromEntries(QUANTITIES.map((q, i) => [q, i])) as { [Q in Quantity]: number },
)

/**
 * The decoded values of one read, indexed by `QUANTITY_INDEX`: NaN where the read plan has no such value or the
 * device reported it as not available (decoded values are otherwise always finite). A typed array rather than a
 * Map: decoding, the plausibility checks and normalising index it on every reading, and a meter reuses one.
 */
export type Decoded = Float64Array

/** Decoded values with every quantity absent. */
export function emptyDecoded(): Decoded {
  return new Float64Array(QUANTITIES.length).fill(Number.NaN)
}

/** Energy counters: checked by the counter guard, reported as integer Wh. */
export const COUNTERS = ['importEnergyWh', 'exportEnergyWh', 'pvEnergyWh'] as const satisfies readonly Quantity[]
export type Counter = (typeof COUNTERS)[number]

export interface PhaseValues {
  powerW?: number
  voltageV?: number
  currentA?: number
}

/**
 * One normalised meter reading. Only good readings exist: a failed read throws a {@link MeterError}.
 * Values the device marks "not available" are absent from the object and listed in `unavailable`.
 */
export interface Reading {
  /** When the reply arrived, from the injected clock (unix ms). */
  timestampMs: number
  /** Total active power at the grid connection, W; + = import from grid, - = export. */
  activePowerW: number
  phases?: { l1?: PhaseValues; l2?: PhaseValues; l3?: PhaseValues }
  /** Cumulative energy imported from the grid, integer Wh, never decreasing. */
  importEnergyWh: number
  /** Cumulative energy exported to the grid, integer Wh, never decreasing. */
  exportEnergyWh: number
  /** PV generation power, W (>= 0), when a PV source is configured. */
  pvPowerW?: number
  /** Cumulative PV generation, integer Wh, never decreasing. */
  pvEnergyWh?: number
  frequencyHz?: number
  /** Quantities the profile maps but the device reported as not available (sentinel, NaN, unimplemented). */
  unavailable: Quantity[]
}

/** The read function codes a meter needs: 3 (holding registers) and 4 (input registers). */
export type ReadFunctionCode = 3 | 4

/** Largest register count a single read may ask for (Modbus spec, 125 x 2 bytes fits a 253-byte PDU). */
export const MAX_READ_COUNT = 125
