import { GridletError } from '../errors.js'
import { energyAmount } from './energyAmount.js'
import type { Tariff } from './types.js'

export interface ImbalanceInput {
  /** Energy bought minus energy sold by the household's trades of the interval, whole Wh. */
  readonly contractedWh: bigint
  /** The meter's net import of the interval: import minus export, whole Wh. */
  readonly meteredWh: bigint
  readonly tariff: Tariff
}

export interface Imbalance {
  /** metered - contracted. Positive: used more than bought (or produced less than sold). */
  readonly imbalanceWh: bigint
  /** Energy bought from the grid at the retail price, Wh (>= 0). */
  readonly fromGridWh: bigint
  /** Energy sold to the grid at the feed-in price, Wh (>= 0). */
  readonly toGridWh: bigint
  /** What the household pays the grid (negative: what it receives), token units. */
  readonly cost: bigint
}

/**
 * The imbalance rule, used by the simulation, the node and every evaluation. After the interval, the meter's net
 * import decides: the household owes the grid the difference between what it metered and what it contracted.
 *
 *   imbalance = metered - contracted        (Wh; contracted = bought - sold in the interval's trades)
 *   imbalance > 0: the grid supplied it:    cost = floor(imbalance * retailPrice / 1000)
 *   imbalance < 0: the grid took it:        cost = -floor(-imbalance * feedInPrice / 1000)
 *
 * So energy bought but not consumed is sold back at the feed-in price, energy sold but not produced is bought at
 * the retail price, and a household with no trades pays the plain grid bill. Rounding is down on the magnitude
 * (in the household's favour when it pays, the grid's when it is paid), as for trade amounts. Trade payments are
 * settled between the households at the clearing price and are not part of this.
 *
 * @example
 * // bought 500 Wh, used 300: 200 Wh go back at feed-in (80_000 per kWh)
 * settleImbalance({ contractedWh: 500n, meteredWh: 300n, tariff: { retailPrice: 300_000n, feedInPrice: 80_000n } })
 * // { imbalanceWh: -200n, fromGridWh: 0n, toGridWh: 200n, cost: -16_000n }
 */
export function settleImbalance({ contractedWh, meteredWh, tariff }: ImbalanceInput): Imbalance {
  if (tariff.retailPrice < 0n || tariff.feedInPrice < 0n)
    throw new GridletError('grid prices must be >= 0', { code: 'TARIFF_NEGATIVE', field: 'tariff' })
  const imbalanceWh = meteredWh - contractedWh
  if (imbalanceWh >= 0n)
    return { imbalanceWh, fromGridWh: imbalanceWh, toGridWh: 0n, cost: energyAmount(imbalanceWh, tariff.retailPrice) }
  return { imbalanceWh, fromGridWh: 0n, toGridWh: -imbalanceWh, cost: -energyAmount(-imbalanceWh, tariff.feedInPrice) }
}
