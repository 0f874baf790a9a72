import type { SignedCancel, VerifiedOrder } from '../order/types.js'
import { DEFAULT_MAX_PRICE, MAX_QUANTITY_WH } from '../order/verifyOrder.js'

/** Largest quantity clearing accepts, 2^32 - 1 Wh (4.29 GWh): the on-chain trade quantity is a uint32, the same bound
 * as `verifyOrder` (one constant, `MAX_QUANTITY_WH`). */
export const MAX_CLEARING_QUANTITY_WH = MAX_QUANTITY_WH
/** Prices below 2^96 token units per kWh (more than any 18-decimal token needs): the on-chain trade price is a uint96. */
export const MAX_CLEARING_PRICE = DEFAULT_MAX_PRICE

export interface BookFilter {
  readonly interval: bigint
  /** Interval length in seconds: an order whose expiry falls before the interval's end is excluded. */
  readonly lengthS?: number
}

/**
 * The deterministic order book of one interval from any set of verified orders and cancels (each already checked
 * for its signature): the same sets in any arrival order give the same book. Excluded are orders
 * - for another interval, or out of the clearing bounds (quantity 1..2^32 - 1 Wh, price 1..2^96 - 1);
 * - expiring before the interval ends (they could not be settled);
 * - withdrawn by a cancel signed by the same account;
 * - in an equivocating slot: two different orders for the same (account, nonce) void every order of that slot,
 *   so a household cannot show different peers different bids.
 * Duplicates (same id) count once.
 *
 * @example
 * const book = selectBook(received, cancels, { interval: 1_500_000n, lengthS: 900 })
 */
export function selectBook(
  orders: readonly VerifiedOrder[],
  cancels: readonly SignedCancel[],
  filter: BookFilter,
): VerifiedOrder[] {
  const endS = (filter.interval + 1n) * BigInt(filter.lengthS ?? 900)
  const cancelled = new Set(cancels.map((c) => `${c.cancel.account.toLowerCase()}:${c.cancel.orderId.toLowerCase()}`))
  // One entry per (account, nonce) slot: a second copy of the same order is a duplicate, a different order in the
  // slot voids it. The order id covers account and nonce, so equal ids always share a slot.
  const slots = new Map<string, { o: VerifiedOrder; void: boolean }>()
  for (const o of orders) {
    const { order } = o
    if (order.interval !== filter.interval || order.expiry < endS) continue
    if (order.quantityWh <= 0n || order.quantityWh > MAX_CLEARING_QUANTITY_WH) continue
    if (order.limitPrice <= 0n || order.limitPrice > MAX_CLEARING_PRICE) continue
    const slot = `${order.account.toLowerCase()}:${order.nonce}`
    const seen = slots.get(slot)
    if (!seen) slots.set(slot, { o, void: false })
    else if (seen.o.id.toLowerCase() !== o.id.toLowerCase()) seen.void = true
  }
  const book: VerifiedOrder[] = []
  for (const [slot, { o, void: isVoid }] of slots) {
    if (isVoid) continue
    if (cancelled.size > 0 && cancelled.has(`${slot.slice(0, 42)}:${o.id.toLowerCase()}`)) continue
    book.push(o)
  }
  return book
}
