/**
 * A radial low-voltage network as data: one MV/LV transformer feeding a tree of cable segments, and the bus each
 * household is connected to. Plain JSON-able objects, so a scenario or a pilot's market configuration can carry one
 * (shared by all nodes). Units are in the field names; see docs/grid.md.
 */
export interface GridNetwork {
  readonly name: string
  /** Nominal line-to-line voltage of the LV side, kV (0.4 in Europe and Australia). */
  readonly voltageKv: number
  readonly transformer: Transformer
  readonly buses: readonly Bus[]
  readonly lines: readonly Line[]
  readonly households: readonly Connection[]
}

export interface Transformer {
  readonly id: string
  /** The LV busbar the transformer feeds: the root of the tree. */
  readonly bus: string
  readonly ratingKva: number
  /** Short-circuit voltage (u_k), % of nominal: the impedance's magnitude. */
  readonly vscPercent: number
  /** Its resistive part (u_r, copper losses at rated current / rating), %; must be <= vscPercent. */
  readonly vscrPercent: number
  /**
   * No-load voltage of the LV busbar, pu (the off-load tap setting; default 1). Distributors often run it above
   * nominal (e.g. 1.05) to leave room for the voltage drop along the feeders.
   */
  readonly voltagePu?: number
}

export interface Bus {
  readonly id: string
}

/** A cable (or overhead line) segment between two buses; which end is upstream follows from the tree. */
export interface Line {
  readonly id: string
  readonly from: string
  readonly to: string
  readonly lengthM: number
  readonly rOhmPerKm: number
  readonly xOhmPerKm: number
  /** Thermal current limit, A. */
  readonly ampacityA: number
}

/** A household's connection point: `id` names it (the sim uses the household's index, a node its account). */
export interface Connection {
  readonly id: string
  readonly bus: string
}
