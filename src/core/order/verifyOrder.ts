import { bytesToHex, type Hex, hexToBytes, isAddress, isHex } from 'viem'
import { acceptsOrdersAt, intervalStartMs, type MarketTime } from '../time/interval.js'
import { hashCancelBytes, hashOrderBytes, prepareDomain } from './eip712.js'
import { OrderError, OrderErrorCode } from './errors.js'
import { recoverAddress } from './secp256k1.js'
import type { MarketDomain, SignedCancel, SignedOrder, VerifiedOrder } from './types.js'

/** What an order is checked against. `nowMs` + `time` enable the time checks (omit both for replay/audit). */
export interface OrderRules {
  readonly domain: MarketDomain
  /** bytes32 market id inside the domain. */
  readonly market: Hex
  /** Upper bound on quantityWh, at most {@link MAX_QUANTITY_WH}. Default 1,000,000 Wh (1 MWh) per interval. */
  readonly maxQuantityWh?: bigint
  /** Upper bound on limitPrice (token units per kWh), at most (and by default) {@link DEFAULT_MAX_PRICE}. */
  readonly maxPrice?: bigint
  readonly time?: MarketTime
  readonly nowMs?: number
  /** How many intervals ahead an order may be placed. Default 96. */
  readonly maxIntervalsAhead?: number
}

export const DEFAULT_MAX_QUANTITY_WH = 1_000_000n
/**
 * Largest quantity of an order, Wh: 2^32 - 1. A trade's quantity is a uint32 on chain (settlement calldata) and a
 * trade can fill a whole order, so a larger order could never be settled; `maxQuantityWh` is capped at this.
 */
export const MAX_QUANTITY_WH = 2n ** 32n - 1n
/**
 * Largest limit price, token units per kWh: 2^96 - 1. A trade's price is a uint96 on chain (settlement calldata), and
 * a trade can clear at a limit price, so a higher limit (the signed field is a uint128) could never be settled.
 */
export const DEFAULT_MAX_PRICE = 2n ** 96n - 1n
const U64 = 2n ** 64n

/**
 * Checks an order's fields, window and signature; returns it with its id. Throws `OrderError` naming the field.
 * Checks run cheapest first, so a flood of junk costs no signature recovery.
 *
 * @example
 * const verified = verifyOrder(signed, { domain, market, time, nowMs: clock.now() })
 */
export function verifyOrder(signed: SignedOrder, rules: OrderRules): VerifiedOrder {
  const { order } = signed
  checkShape(signed)
  if (order.market.toLowerCase() !== rules.market.toLowerCase()) {
    throw new OrderError(OrderErrorCode.WrongMarket, 'market', 'order is for another market', order.market)
  }
  const maxQuantity =
    rules.maxQuantityWh !== undefined && rules.maxQuantityWh < MAX_QUANTITY_WH ? rules.maxQuantityWh : MAX_QUANTITY_WH
  if (
    order.quantityWh <= 0n ||
    order.quantityWh > (rules.maxQuantityWh === undefined ? DEFAULT_MAX_QUANTITY_WH : maxQuantity)
  ) {
    throw new OrderError(OrderErrorCode.Quantity, 'quantityWh', 'quantity must be 1..max Wh', `${order.quantityWh}`)
  }
  const maxPrice =
    rules.maxPrice !== undefined && rules.maxPrice < DEFAULT_MAX_PRICE ? rules.maxPrice : DEFAULT_MAX_PRICE
  if (order.limitPrice <= 0n || order.limitPrice > maxPrice) {
    throw new OrderError(
      OrderErrorCode.Price,
      'limitPrice',
      `limit price must be 1..${maxPrice}`,
      `${order.limitPrice}`,
    )
  }
  if (rules.time) checkWindow(order.interval, order.expiry, rules.time, rules.nowMs, rules.maxIntervalsAhead ?? 96)
  const digest = hashOrderBytes(prepareDomain(rules.domain), order)
  checkSigner(digest, signed.signature, order.account)
  return { order, signature: signed.signature, id: bytesToHex(digest) }
}

/** Verifies a cancel's signature; returns its digest. The cancel's market must be this market. */
export function verifyCancel(signed: SignedCancel, rules: Pick<OrderRules, 'domain' | 'market'>): Hex {
  const { cancel } = signed
  if (!isHex(cancel.orderId) || cancel.orderId.length !== 66) throw malformed('orderId')
  if (!isHex(cancel.market) || cancel.market.length !== 66) throw malformed('market')
  if (!isAddress(cancel.account, { strict: false })) throw malformed('account')
  if (typeof cancel.interval !== 'bigint' || cancel.interval < 0n || cancel.interval >= U64) throw malformed('interval')
  if (cancel.market.toLowerCase() !== rules.market.toLowerCase()) {
    throw new OrderError(OrderErrorCode.WrongMarket, 'market', 'cancel is for another market', cancel.market)
  }
  const digest = hashCancelBytes(prepareDomain(rules.domain), cancel)
  checkSigner(digest, signed.signature, cancel.account)
  return bytesToHex(digest)
}

function checkShape({ order, signature }: SignedOrder): void {
  if (!isHex(order.market) || order.market.length !== 66) throw malformed('market')
  for (const f of ['interval', 'quantityWh', 'nonce', 'expiry'] as const) {
    const v = order[f]
    if (typeof v !== 'bigint' || v < 0n || v >= U64) throw malformed(f)
  }
  if (typeof order.limitPrice !== 'bigint' || order.limitPrice < 0n || order.limitPrice >= 2n ** 128n) {
    throw malformed('limitPrice')
  }
  if (order.side !== 0 && order.side !== 1) throw malformed('side')
  if (!isAddress(order.account, { strict: false })) throw malformed('account')
  if (!isHex(signature) || signature.length !== 132) throw malformed('signature')
}

function checkWindow(interval: bigint, expiry: bigint, time: MarketTime, nowMs = 0, maxAhead: number): void {
  const k = Number(interval)
  const endS = BigInt((intervalStartMs(time, k) + time.lengthS * 1000) / 1000)
  if (expiry < endS) {
    throw new OrderError(OrderErrorCode.Expired, 'expiry', 'order expires before its interval ends', `${expiry}`)
  }
  if (!acceptsOrdersAt(time, k, nowMs)) {
    throw new OrderError(OrderErrorCode.IntervalClosed, 'interval', 'gate closure has passed', `${interval}`)
  }
  if (intervalStartMs(time, k) > nowMs + maxAhead * time.lengthS * 1000) {
    throw new OrderError(OrderErrorCode.IntervalTooFar, 'interval', 'interval is too far ahead', `${interval}`)
  }
}

function checkSigner(digest: Uint8Array, signature: Hex, account: Hex): void {
  const signer = recoverAddress(digest, hexToBytes(signature))
  if (!signer || bytesToHex(signer) !== account.toLowerCase()) {
    throw new OrderError(OrderErrorCode.BadSignature, 'signature', 'signature does not recover to account')
  }
}

function malformed(field: string): OrderError {
  return new OrderError(OrderErrorCode.Malformed, field, `malformed field ${field}`)
}
