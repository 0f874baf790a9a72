import type { GridClearing, GridLevel } from './grid.js'

/*
 * The grid clearing's network as flat arrays (matchGrid.ts): the level between two locations, the capacity
 * headroom each fill may use up, and the pricing zones.
 */

/** The network as flat arrays: group `feeders` stands for every account off the network. */
export interface Network {
  readonly feeders: number
  readonly transformers: number
  readonly transformerOf: readonly number[]
  /** Remaining headroom, Wh, per feeder and per transformer; Infinity where unlimited. */
  readonly feederImport: Float64Array
  readonly feederExport: Float64Array
  readonly trImport: Float64Array
  readonly trExport: Float64Array
}

/** The network of a grid clearing, with each feeder's and transformer's limit as its whole headroom. */
export function networkOf(grid: GridClearing): Network {
  const feeders = grid.transformerOf.length
  const transformers = Math.max(0, ...grid.transformerOf) + 1
  const limits = (n: number, given: GridClearing['limits'], kind: 'feeders' | 'transformers') => {
    const imp = new Float64Array(n).fill(Number.POSITIVE_INFINITY)
    const exp = new Float64Array(n).fill(Number.POSITIVE_INFINITY)
    given?.[kind]?.forEach((l, i) => {
      if (l === undefined) return
      imp[i] = Number(l.importWh)
      exp[i] = Number(l.exportWh)
    })
    return [imp, exp] as const
  }
  const [feederImport, feederExport] = limits(feeders, grid.limits, 'feeders')
  const [trImport, trExport] = limits(transformers, grid.limits, 'transformers')
  return { feeders, transformers, transformerOf: grid.transformerOf, feederImport, feederExport, trImport, trExport }
}

/** The level between two locations (`net.feeders` = off the network). */
export function levelOf(net: Network, b: number, a: number): GridLevel {
  if (b === net.feeders || a === net.feeders) return 2
  if (b === a) return 0
  return net.transformerOf[b] === net.transformerOf[a] ? 1 : 2
}

/** How much more may flow into (`into`) or out of location g at this level: feeder head, then transformer. */
export function headroom(net: Network, g: number, level: GridLevel, into: boolean): number {
  if (level === 0 || g === net.feeders) return Number.POSITIVE_INFINITY
  const f = into ? net.feederImport[g]! : net.feederExport[g]!
  if (level === 1) return f
  const t = net.transformerOf[g]!
  return Math.min(f, into ? net.trImport[t]! : net.trExport[t]!)
}

/** Takes `q` Wh of the headroom `headroom` reports: at the feeder and, at level 2, at its transformer too. */
export function consume(net: Network, g: number, level: GridLevel, into: boolean, q: number): void {
  if (level === 0 || g === net.feeders) return
  if (into) net.feederImport[g]! -= q
  else net.feederExport[g]! -= q
  if (level === 1) return
  const t = net.transformerOf[g]!
  if (into) net.trImport[t]! -= q
  else net.trExport[t]! -= q
}

/** Pricing zones, one index each: feeders (level 0), then transformers (level 1), then the market (level 2). */
export function zoneOf(net: Network, level: GridLevel, gb: number): number {
  if (level === 0) return gb
  return level === 1 ? net.feeders + net.transformerOf[gb]! : net.feeders + net.transformers
}

/** The level a pricing zone belongs to (the inverse of `zoneOf`'s ranges). */
export function levelOfZone(net: Network, z: number): GridLevel {
  return z < net.feeders ? 0 : z < net.feeders + net.transformers ? 1 : 2
}
