import type { Address, Hex } from 'viem'

/** Side of an order: a household buys (consumes) or sells (produces) energy in an interval. */
export const Side = { Buy: 0, Sell: 1 } as const
export type Side = (typeof Side)[keyof typeof Side]

/**
 * The EIP-712 domain of one market: the settlement contract on one chain. An order signed for one market cannot be
 * replayed on another (different contract or chain id).
 */
export interface MarketDomain {
  readonly name: 'gridlet'
  readonly version: '1'
  readonly chainId: number
  readonly verifyingContract: Address
}

/**
 * An order as signed by the household. Energy in whole Wh, price in the token's smallest unit per kWh.
 * The field order is the EIP-712 type string's order (see `ORDER_TYPE` in ./eip712.ts).
 */
export interface Order {
  /** Market id (bytes32): names the market inside the domain; e.g. keccak256 of its human name. */
  readonly market: Hex
  /** Interval id: floor(unix seconds / interval length). */
  readonly interval: bigint
  readonly side: Side
  /** Energy in whole Wh, 1..maxQuantityWh. */
  readonly quantityWh: bigint
  /** Limit price: a buyer pays at most, a seller receives at least, this many token units per kWh. */
  readonly limitPrice: bigint
  /** The household's registered account, the signer. */
  readonly account: Address
  /** Per (account, interval) slot number; two different orders in one slot are an equivocation. */
  readonly nonce: bigint
  /** Unix seconds after which the order may not be settled on chain. */
  readonly expiry: bigint
}

/** An order with its signature, as it travels on the wire. */
export interface SignedOrder {
  readonly order: Order
  /** 65-byte secp256k1 signature r || s || v (v = 27 or 28). */
  readonly signature: Hex
}

/** A signed order whose signature and fields were checked; `id` is its EIP-712 hash. */
export interface VerifiedOrder extends SignedOrder {
  readonly id: Hex
}

/** An explicit signed withdrawal of an order before gate closure. */
export interface Cancel {
  readonly market: Hex
  readonly interval: bigint
  readonly account: Address
  /** Id (EIP-712 hash) of the order withdrawn. */
  readonly orderId: Hex
}

export interface SignedCancel {
  readonly cancel: Cancel
  readonly signature: Hex
}
