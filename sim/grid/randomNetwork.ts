import { type CableType, NAYY_150 } from '../../src/core/grid/index.js'
import type { GridNetwork, Line } from '../../src/core/grid/types.js'
import { drawUnit } from '../random.js'

/** Cable types the random networks draw from: NAYY 4x150, 4x95 and 4x50 SE (pandapower's standard types). */
const CABLES: readonly CableType[] = [
  NAYY_150,
  { rOhmPerKm: 0.313, xOhmPerKm: 0.086, ampacityA: 215 },
  { rOhmPerKm: 0.642, xOhmPerKm: 0.083, ampacityA: 142 },
]

/** A random radial network and a random load on each household, for checking the power flow against a peer. */
export interface RandomCase {
  readonly network: GridNetwork
  /** Per household (network order): active and reactive power, W / var, consumption positive. */
  readonly householdW: Float64Array
  readonly householdVar: Float64Array
}

/**
 * A random radial network of `buses` buses drawn from `seed`: each bus hangs off a uniformly drawn earlier bus (a
 * random recursive tree), cables 10-60 m of a random type, one to three households on each non-busbar bus drawing
 * -5 to +6 kW (PV export to load) at a power factor 0.9-1.
 */
export function randomCase(seed: number, buses: number): RandomCase {
  const u = (stream: number, a: number) => drawUnit(seed, stream, a)
  const lines: Line[] = []
  const households: { id: string; bus: string }[] = []
  const w: number[] = []
  const v: number[] = []
  for (let b = 1; b < buses; b++) {
    const up = Math.floor(u(1, b) * b)
    const cable = CABLES[Math.floor(u(2, b) * CABLES.length)]!
    lines.push({ id: `L${b}`, from: `B${up}`, to: `B${b}`, lengthM: Math.round(10 + 50 * u(3, b)), ...cable })
    for (let k = 0; k < 1 + Math.floor(u(4, b) * 3); k++) {
      const p = -5000 + 11_000 * u(5, households.length)
      const pf = 0.9 + 0.1 * u(6, households.length)
      households.push({ id: String(households.length), bus: `B${b}` })
      w.push(Math.round(p))
      v.push(p > 0 ? Math.round(p * Math.tan(Math.acos(pf))) : 0)
    }
  }
  return {
    network: {
      name: `random-${seed}-${buses}`,
      voltageKv: 0.4,
      // Sized like a real one: about 3 kVA per household, at least 100 kVA.
      transformer: {
        id: 'T',
        bus: 'B0',
        ratingKva: Math.max(100, 50 * Math.ceil((3 * households.length) / 50)),
        vscPercent: 4,
        vscrPercent: 1.2,
        voltagePu: 0.98 + 0.07 * u(8, 0),
      },
      buses: Array.from({ length: buses }, (_, b) => ({ id: `B${b}` })),
      lines,
      households,
    },
    householdW: Float64Array.from(w),
    householdVar: Float64Array.from(v),
  }
}
