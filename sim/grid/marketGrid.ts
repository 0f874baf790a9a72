import type { Address } from 'viem'
import { type GridClearingConfig, gridClearingFor } from '../../src/config/loadMarketGrid.js'
import type { GridNetwork } from '../../src/core/grid/index.js'
import type { GridClearing } from '../../src/core/market/index.js'

/**
 * A scenario's grid-aware market as plain data (structured-cloneable, so fast mode's worker threads get it too):
 * the scenario network (its households named "0".."n-1" in community order), the interval and what a pilot's
 * `market.grid` would say (fees, fee recipient, capacity). Each thread turns it into the clearing's input with the
 * node's own `gridClearingFor`, so the simulator clears exactly as the nodes do.
 */
export interface MarketGrid {
  readonly network: GridNetwork
  readonly intervalS: number
  readonly config: Omit<GridClearingConfig, 'connections'>
}

/**
 * The grid input of a scenario's `network.market` on its network (from `scenarioNetwork(...).network`).
 *
 * @example
 * const g = marketGrid(scenarioNetwork(s.network, 60).network, 1800, { fees: [0, 20, 60], capacity: true, feeRecipient })
 */
export function marketGrid(
  network: GridNetwork,
  intervalS: number,
  opts: { readonly fees: readonly [number, number, number]; readonly capacity: boolean; readonly feeRecipient: string },
): MarketGrid {
  const [l0, l1, l2] = opts.fees
  return {
    network,
    intervalS,
    config: { fees: [BigInt(l0), BigInt(l1), BigInt(l2)], capacity: opts.capacity, feeRecipient: opts.feeRecipient },
  }
}

/**
 * The clearing's `GridClearing` for a `MarketGrid`, with household h at `accounts[h]` (any letter case): the
 * node's `gridClearingFor`, each account connected to network household "h" as a pilot's `connections` would.
 *
 * @example
 * clear(orders, params, [], gridClearingOf(g, ctx.accounts))
 */
export function gridClearingOf(g: MarketGrid, accounts: readonly Address[]): GridClearing {
  const connections = Object.fromEntries(accounts.map((a, h) => [a, String(h)]))
  return gridClearingFor(g.network, { ...g.config, connections }, g.intervalS)
}
