import { GridletError } from '../errors.js'

/** Why an order (or cancel) is not admitted. Stable codes: metric labels and test vectors use them. */
export const OrderErrorCode = {
  /** A field is missing, of the wrong type or outside its Solidity type. */
  Malformed: 'ORDER_MALFORMED',
  /** Signed for another market id. */
  WrongMarket: 'ORDER_WRONG_MARKET',
  /** quantityWh is 0 or above the market's bound. */
  Quantity: 'ORDER_QUANTITY',
  /** limitPrice is 0 or above the market's bound. */
  Price: 'ORDER_PRICE',
  /** The signature does not recover to `account` (also: wrong domain, since the digest differs). */
  BadSignature: 'ORDER_BAD_SIGNATURE',
  /** The order expires before its interval ends, or has already expired. */
  Expired: 'ORDER_EXPIRED',
  /** The interval's gate has closed. */
  IntervalClosed: 'ORDER_INTERVAL_CLOSED',
  /** The interval is further ahead than the market accepts. */
  IntervalTooFar: 'ORDER_INTERVAL_TOO_FAR',
  /** The same (account, interval, nonce) slot already holds a different order. */
  DuplicateNonce: 'ORDER_DUPLICATE_NONCE',
} as const
export type OrderErrorCode = (typeof OrderErrorCode)[keyof typeof OrderErrorCode]

export class OrderError extends GridletError {
  override name = 'OrderError'
  declare readonly code: OrderErrorCode

  constructor(code: OrderErrorCode, field: string, shortMessage: string, details?: string) {
    super(shortMessage, details === undefined ? { code, field } : { code, field, details })
  }
}
