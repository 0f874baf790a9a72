import type { Address, Hex } from 'viem'
import type { GridLevel } from '../core/market/grid.js'
import type { ClearingResult as MarketResult, Trade } from '../core/market/types.js'
import type { Order, Side, SignedOrder, VerifiedOrder } from '../core/order/types.js'

/** JSON with bigints as decimal strings: how orders and results are stored and served. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
}

export function decodeOrder(o: Record<string, unknown>): Order {
  return {
    market: o.market as Hex,
    interval: BigInt(o.interval as string),
    side: Number(o.side) as Side,
    quantityWh: BigInt(o.quantityWh as string),
    limitPrice: BigInt(o.limitPrice as string),
    account: o.account as Hex,
    nonce: BigInt(o.nonce as string),
    expiry: BigInt(o.expiry as string),
  }
}

export function decodeSigned(json: string): VerifiedOrder {
  return decodeVerified(JSON.parse(json))
}

/** A verified order from its parsed JSON form (`toJson` output). */
export function decodeVerified(s: { order: Record<string, unknown>; signature: Hex; id: Hex }): VerifiedOrder {
  return { order: decodeOrder(s.order), signature: s.signature, id: s.id }
}

export function encodeSigned(s: SignedOrder & { id?: Hex }): string {
  return toJson({ order: s.order, signature: s.signature, id: s.id })
}

export function decodeTrade(t: Record<string, unknown>): Trade {
  return {
    buyId: t.buyId as Hex,
    sellId: t.sellId as Hex,
    buyer: t.buyer as Hex,
    seller: t.seller as Hex,
    quantityWh: BigInt(t.quantityWh as string),
    price: BigInt(t.price as string),
    amount: BigInt(t.amount as string),
    // A grid clearing's trade: its level and fee are in the v2 root and paid on chain.
    ...(t.level !== undefined && { level: Number(t.level) as GridLevel, fee: BigInt(t.fee as string) }),
  }
}

export function decodeResult(json: string): MarketResult {
  const r = JSON.parse(json) as Record<string, unknown>
  return {
    interval: BigInt(r.interval as string),
    rule: r.rule as MarketResult['rule'],
    clearingPrice: r.clearingPrice === undefined ? undefined : BigInt(r.clearingPrice as string),
    volumeWh: BigInt(r.volumeWh as string),
    trades: (r.trades as Record<string, unknown>[]).map(decodeTrade),
    root: r.root as Hex,
    ...(r.feeRecipient !== undefined && { feeRecipient: r.feeRecipient as Address }),
  }
}
