import { GridletError } from '../errors.js'
import type { Bus, Connection, GridNetwork, Line } from './types.js'

/** A cable type: impedance per km and thermal limit. */
export interface CableType {
  readonly rOhmPerKm: number
  readonly xOhmPerKm: number
  readonly ampacityA: number
}

/** NAYY 4x150 SE, the common European LV street cable (pandapower's standard type of that name). */
export const NAYY_150: CableType = { rOhmPerKm: 0.208, xOhmPerKm: 0.08, ampacityA: 270 }

/** Standard distribution transformer sizes, kVA. */
const STANDARD_KVA = [50, 100, 160, 250, 400, 630, 800, 1000, 1250, 1600, 2000, 2500]

export interface GenerateNetworkOptions {
  /** Households, with ids "0" .. "households - 1". */
  readonly households: number
  readonly feeders: number
  /** Default: the smallest standard size >= 2.5 kVA per household (an after-diversity design peak). */
  readonly transformerKva?: number
  /** Cable between neighbouring connection points, m (default 30). */
  readonly segmentM?: number
  readonly cable?: CableType
  readonly voltageKv?: number
  /** No-load busbar voltage (tap setting), pu; default 1. */
  readonly voltagePu?: number
}

/**
 * A default network for scenarios that give only counts ("3 feeders x 20 homes"): one transformer (u_k 4 %,
 * u_r 1 %), `feeders` radial cables leaving its busbar, each a chain of connection points `segmentM` apart with one
 * household on each. Household h goes to feeder `floor(h * feeders / households)`, so feeders get contiguous,
 * near-equal blocks. Deterministic: the same options give the same network.
 *
 * @example
 * const net = generateNetwork({ households: 60, feeders: 3 }) // 3 feeders x 20 homes, 160 kVA
 */
export function generateNetwork(opts: GenerateNetworkOptions): GridNetwork {
  const { households, feeders } = opts
  if (!Number.isInteger(feeders) || feeders < 1)
    throw new GridletError('feeders must be an integer >= 1', { code: 'CONFIG_GRID_FIELD', field: 'feeders' })
  if (!Number.isInteger(households) || households < feeders)
    throw new GridletError('households must be an integer >= feeders', {
      code: 'CONFIG_GRID_FIELD',
      field: 'households',
    })
  const cable = opts.cable ?? NAYY_150
  const segmentM = opts.segmentM ?? 30
  const ratingKva = opts.transformerKva ?? STANDARD_KVA.find((s) => s >= 2.5 * households) ?? 2500
  const buses: Bus[] = [{ id: 'LV' }]
  const lines: Line[] = []
  const connections: Connection[] = []
  let h = 0
  for (let f = 0; f < feeders; f++) {
    const end = Math.floor(((f + 1) * households) / feeders)
    let prev = 'LV'
    for (let j = 1; h < end; j++, h++) {
      const id = `F${f + 1}.${j}`
      buses.push({ id })
      lines.push({ id: `${prev}-${id}`, from: prev, to: id, lengthM: segmentM, ...cable })
      connections.push({ id: String(h), bus: id })
      prev = id
    }
  }
  return {
    name: `generated-${feeders}x${Math.round(households / feeders)}`,
    voltageKv: opts.voltageKv ?? 0.4,
    transformer: {
      id: 'T1',
      bus: 'LV',
      ratingKva,
      vscPercent: 4,
      vscrPercent: 1,
      ...(opts.voltagePu === undefined ? {} : { voltagePu: opts.voltagePu }),
    },
    buses,
    lines,
    households: connections,
  }
}
