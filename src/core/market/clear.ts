import type { SignedCancel, VerifiedOrder } from '../order/types.js'
import { matchPositions } from './match.js'
import { resultRoot } from './resultRoot.js'
import { selectPositions } from './selectBook.js'
import type { ClearingParams, ClearingResult } from './types.js'

/**
 * Clears one interval: the deterministic book of the given orders and cancels (`selectBook`), matched under the
 * rule (`match`), with its result root (`resultRoot`). Same sets in any order give a byte-identical result.
 *
 * @example
 * const result = clear(orders, { rule: 'k-da', interval: 1_500_000n, retailPrice: 300_000n, feedInPrice: 80_000n })
 * result.trades // [{ buyId, sellId, buyer, seller, quantityWh, price, amount }, …]
 */
export function clear(
  orders: readonly VerifiedOrder[],
  params: ClearingParams & { readonly lengthS?: number },
  cancels: readonly SignedCancel[] = [],
): ClearingResult {
  const result = matchPositions(orders, selectPositions(orders, cancels, params), params)
  const { interval, rule, clearingPrice, volumeWh } = result
  // `trades` stays a getter: the matcher builds trade objects only when someone reads them.
  return {
    interval,
    rule,
    clearingPrice,
    volumeWh,
    root: resultRoot(result),
    get trades() {
      return result.trades
    },
  }
}
