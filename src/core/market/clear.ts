import type { SignedCancel, VerifiedOrder } from '../order/types.js'
import { coverEscrow, type EscrowCover } from './coverEscrow.js'
import type { GridClearing } from './grid.js'
import { matchPositions } from './match.js'
import { matchGrid } from './matchGrid.js'
import { resultRoot } from './resultRoot.js'
import { selectBook, selectPositions } from './selectBook.js'
import type { ClearingParams, ClearingResult, MatchResult } from './types.js'

type ClearParams = ClearingParams & { readonly lengthS?: number; readonly escrow?: EscrowCover | undefined }

/**
 * Clears one interval: the deterministic book of the given orders and cancels (`selectBook`), cut to what the
 * households' escrow covers when `params.escrow` is given (`coverEscrow`), matched under the rule (`match`), with
 * its result root (`resultRoot`). Same sets in any order give a byte-identical result.
 * With `grid` (see grid.ts) the clearing charges network fees by level and keeps feeder and transformer flows
 * within their limits (`matchGrid`); without it the result is the plain market's.
 *
 * @example
 * const result = clear(orders, { rule: 'k-da', interval: 1_500_000n, retailPrice: 300_000n, feedInPrice: 80_000n })
 * result.trades // [{ buyId, sellId, buyer, seller, quantityWh, price, amount }, …]
 */
export function clear(
  orders: readonly VerifiedOrder[],
  params: ClearParams,
  cancels: readonly SignedCancel[] = [],
  grid?: GridClearing,
): ClearingResult {
  const result = clearSet(orders, params, cancels, grid)
  const { interval, rule, clearingPrice, volumeWh } = result
  // `trades` stays a getter: the matcher builds trade objects only when someone reads them.
  return {
    interval,
    rule,
    clearingPrice,
    volumeWh,
    root: resultRoot(result),
    ...(result.feeRecipient === undefined ? {} : { feeRecipient: result.feeRecipient }),
    get trades() {
      return result.trades
    },
  }
}

/**
 * `clear` without the root: the interval's order set as a node holds it to trades and prices (selection, escrow
 * cover, sorting, matching). What `npm run bench:market` times as the clearing.
 *
 * @example
 * const { trades, volumeWh } = clearSet(orders, params, cancels, grid)
 */
export function clearSet(
  orders: readonly VerifiedOrder[],
  params: ClearParams,
  cancels: readonly SignedCancel[] = [],
  grid?: GridClearing,
): MatchResult {
  // The escrow cover judges the selected book; the kept orders are then selected again as flat arrays (a subset of
  // a selected book selects to itself: no duplicates, equivocations or cancels are left in it).
  const set = params.escrow ? coverEscrow(selectBook(orders, cancels, params), params.escrow) : orders
  const book = selectPositions(set, params.escrow ? [] : cancels, params, true)
  return grid ? matchGrid(set, book, params, grid) : matchPositions(set, book, params)
}
