import type { SignedCancel, VerifiedOrder } from '../order/types.js'
import { coverEscrow, type EscrowCover } from './coverEscrow.js'
import { match } from './match.js'
import { resultRoot } from './resultRoot.js'
import { selectBook } from './selectBook.js'
import type { ClearingParams, ClearingResult } from './types.js'

/**
 * Clears one interval: the deterministic book of the given orders and cancels (`selectBook`), cut to what the
 * households' escrow covers when `params.escrow` is given (`coverEscrow`), matched under the rule (`match`), with
 * its result root (`resultRoot`). Same sets in any order give a byte-identical result.
 *
 * @example
 * const result = clear(orders, { rule: 'k-da', interval: 1_500_000n, retailPrice: 300_000n, feedInPrice: 80_000n })
 * result.trades // [{ buyId, sellId, buyer, seller, quantityWh, price, amount }, …]
 */
export function clear(
  orders: readonly VerifiedOrder[],
  params: ClearingParams & { readonly lengthS?: number; readonly escrow?: EscrowCover | undefined },
  cancels: readonly SignedCancel[] = [],
): ClearingResult {
  const selected = selectBook(orders, cancels, params)
  const book = params.escrow ? coverEscrow(selected, params.escrow) : selected
  const result = match(book, params)
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
