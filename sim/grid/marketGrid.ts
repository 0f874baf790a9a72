import type { Address } from 'viem'
import type { GridLevels } from '../../src/core/grid/index.js'
import type { GridClearing } from '../../src/core/market/index.js'

/**
 * The grid input of the clearing as plain data (structured-cloneable, so fast mode's worker threads get it too):
 * feeder index by household (-1: not on the network), the fees and, when capacity-aware, the limits in Wh.
 */
export interface MarketGrid {
  readonly feederOfHousehold: Int32Array
  /** Every feeder of a scenario network hangs off its one transformer (index 0). */
  readonly transformerOf: readonly number[]
  readonly feePerWh: readonly [bigint, bigint, bigint]
  readonly feeRecipient: Address
  /** Limit per feeder / transformer per interval, each direction, Wh; absent: not limited. */
  readonly feederLimitWh?: readonly bigint[]
  readonly transformerLimitWh?: readonly bigint[]
}

/**
 * Maps a scenario network's market levels onto the clearing's grid input: household h (named "h" on the network)
 * -> its feeder index, feeder -> transformer 0, and each element's rating per interval (`gridLevels`) as the
 * limit in both directions when `capacity` is on.
 *
 * @example
 * const g = marketGrid(gridLevels(scenarioNetwork(s.network, 60), 1800), 60, { fees: [0, 20, 60], capacity: true, feeRecipient })
 */
export function marketGrid(
  levels: GridLevels,
  households: number,
  opts: { readonly fees: readonly [number, number, number]; readonly capacity: boolean; readonly feeRecipient: string },
): MarketGrid {
  const index = new Map(levels.feeders.map((f, i) => [f.id, i]))
  const feederOfHousehold = new Int32Array(households)
  for (let h = 0; h < households; h++) {
    const f = levels.feederOf(String(h))
    feederOfHousehold[h] = f === undefined ? -1 : (index.get(f) ?? -1)
  }
  return {
    feederOfHousehold,
    transformerOf: levels.feeders.map(() => 0),
    feePerWh: [BigInt(opts.fees[0]), BigInt(opts.fees[1]), BigInt(opts.fees[2])],
    feeRecipient: opts.feeRecipient as Address,
    ...(opts.capacity
      ? {
          feederLimitWh: levels.feeders.map((f) => BigInt(f.limitWh)),
          transformerLimitWh: [BigInt(levels.transformer.limitWh)],
        }
      : {}),
  }
}

/** The clearing's `GridClearing` for a `MarketGrid`, with household h at `accounts[h]` (any letter case). */
export function gridClearingOf(g: MarketGrid, accounts: readonly Address[]): GridClearing {
  const feeders = new Map<string, number>()
  accounts.forEach((a, h) => {
    const f = g.feederOfHousehold[h]
    if (f !== undefined && f >= 0) feeders.set(a.toLowerCase(), f)
  })
  const both = (wh: bigint) => ({ importWh: wh, exportWh: wh })
  return {
    feederOf: (a) => feeders.get(a.toLowerCase()),
    transformerOf: g.transformerOf,
    feePerWh: g.feePerWh,
    feeRecipient: g.feeRecipient,
    ...(g.feederLimitWh === undefined
      ? {}
      : {
          limits: {
            feeders: g.feederLimitWh.map(both),
            transformers: (g.transformerLimitWh ?? []).map(both),
          },
        }),
  }
}
