import type { CompiledNetwork } from './compileNetwork.js'

/** The level a trade's energy crosses, lowest first: the fee grows with it (issue 15). */
export type GridLevel = 'feeder' | 'transformer' | 'upstream'

/** A feeder as the clearing sees it: its households and its capacity for one interval. */
export interface FeederLevel {
  readonly id: string
  /** Energy the feeder's head cable carries in one interval at its ampacity (unity power factor), Wh. */
  readonly limitWh: number
  readonly households: readonly string[]
}

/**
 * The network reduced to what the market needs: which feeder each household is on, the level between two
 * households, and the capacity of each feeder and of the transformer per interval, in integer Wh. The clearing
 * defines its own narrow input type; this is the network side of it.
 */
export interface GridLevels {
  /** Feeder id of a household, undefined when it is not on this network. */
  feederOf(household: string): string | undefined
  /** Same feeder < same transformer < upstream (either side not on this network). */
  levelBetween(a: string, b: string): GridLevel
  readonly feeders: readonly FeederLevel[]
  readonly transformer: { readonly id: string; readonly limitWh: number }
}

/**
 * Derives the market levels of a compiled network for intervals of `intervalS` seconds. A feeder's limit is its
 * head cable's three-phase rating `sqrt(3) * U * I_max`, the transformer's its kVA rating, times the interval
 * (floored to whole Wh, so a schedule within the limit is within it physically).
 *
 * @example
 * const lv = gridLevels(compileNetwork(generateNetwork({ households: 60, feeders: 3 })), 1800)
 * lv.levelBetween('0', '59') // 'transformer'
 */
export function gridLevels(c: CompiledNetwork, intervalS: number): GridLevels {
  const hours = intervalS / 3600
  const net = c.network
  const members: string[][] = c.feeders.map(() => [])
  const feederOfHousehold = new Map<string, number>()
  for (const [i, h] of net.households.entries()) {
    const f = c.feederOfBus[c.householdBus[i]!]!
    feederOfHousehold.set(h.id, f)
    if (f >= 0) members[f]!.push(h.id)
  }
  const feeders = c.feeders.map((f, i) => {
    const l = net.lines[f.line]!
    return {
      id: f.id,
      limitWh: Math.floor(Math.sqrt(3) * net.voltageKv * 1000 * l.ampacityA * hours),
      households: members[i]!,
    }
  })
  return {
    feederOf: (h) => {
      const f = feederOfHousehold.get(h)
      return f === undefined || f < 0 ? undefined : c.feeders[f]!.id
    },
    levelBetween: (a, b) => {
      const fa = feederOfHousehold.get(a)
      const fb = feederOfHousehold.get(b)
      if (fa === undefined || fb === undefined) return 'upstream'
      return fa === fb && fa >= 0 ? 'feeder' : 'transformer'
    },
    feeders,
    transformer: { id: net.transformer.id, limitWh: Math.floor(net.transformer.ratingKva * 1000 * hours) },
  }
}
