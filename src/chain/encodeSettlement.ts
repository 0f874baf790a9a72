import { type Address, getAddress, type Hex, keccak256 } from 'viem'
import type { VerifiedOrder } from '../core/order/types.js'
import { ChainError, ChainErrorCode } from './errors.js'

/** A cleared trade as the settlement needs it: structurally the market core's `Trade`. */
export interface SettlementTrade {
  readonly buyId: Hex
  readonly sellId: Hex
  readonly quantityWh: bigint
  /** Token units per kWh. */
  readonly price: bigint
  /** floor(quantityWh * price / 1000), as cleared off chain; the contract recomputes and compares the sum. */
  readonly amount: bigint
}

/** The packed arguments of `GridletSettlement.settle` for one interval, plus the root it will emit. */
export interface SettlementBatch {
  readonly interval: bigint
  readonly trades: Hex
  readonly orders: Hex
  readonly signatures: Hex
  readonly totalAmount: bigint
  /** Ids of the orders in batch order (strictly ascending). */
  readonly orderIds: readonly Hex[]
  /** keccak256(orderIds || trades): the root the contract emits in `Settled` for this batch. */
  readonly root: Hex
}

/**
 * Packs one interval's trades and the orders they fill into `settle` calldata (layout: docs/settlement.md).
 * Only orders that some trade fills are included, sorted by id, so every honest submitter encodes the same bytes.
 * `households` maps each (checksummed) account to its household index in the contract (`indexOf`).
 *
 * @example
 * const batch = encodeSettlement(result.interval, verifiedOrders, result.trades, households)
 * await settleBatch(client, { settlement, batch })
 */
export function encodeSettlement(
  interval: bigint,
  orders: readonly VerifiedOrder[],
  trades: readonly SettlementTrade[],
  households: ReadonlyMap<Address, number>,
): SettlementBatch {
  const { orderIds: ids, trades: tradesData, totalAmount } = encodeTrades(trades)
  const byId = new Map(orders.map((o) => [o.id.toLowerCase(), o]))
  let orderHex = ''
  let signatureHex = ''
  for (const id of ids) {
    const o = byId.get(id)
    if (!o) throw encodingError(`a trade fills order ${id} which is not among the given orders`, 'trades')
    if (o.order.interval !== interval) throw encodingError(`order ${id} is for another interval`, 'orders')
    if (!/^0x[0-9a-fA-F]{130}$/.test(o.signature)) throw encodingError(`order ${id}: bad signature`, 'signature')
    const { quantityWh, limitPrice, nonce, account, expiry, side } = o.order
    const household = households.get(getAddress(account))
    if (!household) throw encodingError(`account ${account} has no household index`, 'account')
    // 45 bytes: side (1) | limitPrice (16) | quantityWh (8) | nonce (8) | expiry (8) | household (4)
    orderHex += hex(BigInt(side), 1) + hex(limitPrice, 16) + hex(quantityWh, 8) + hex(nonce, 8) + hex(expiry, 8)
    orderHex += hex(BigInt(household), 4)
    signatureHex += o.signature.slice(2)
  }

  const orderIds = ids as Hex[]
  return {
    interval,
    trades: tradesData,
    orders: `0x${orderHex}`,
    signatures: `0x${signatureHex}`,
    totalAmount,
    orderIds,
    root: settlementRoot(orderIds, tradesData),
  }
}

/**
 * The trades part of a batch: order ids (sorted, each filled order once), the packed trades and their total.
 * It depends on the trades alone, so the root of a cleared interval is known before any chain read.
 */
export function encodeTrades(trades: readonly SettlementTrade[]): {
  orderIds: Hex[]
  trades: Hex
  totalAmount: bigint
} {
  if (trades.length === 0) throw encodingError('a batch needs at least one trade', 'trades')
  const used = new Set<Hex>()
  for (const t of trades) {
    used.add(t.buyId.toLowerCase() as Hex)
    used.add(t.sellId.toLowerCase() as Hex)
  }
  const orderIds = [...used].sort()
  if (orderIds.length > 0xffff) throw encodingError('too many orders in one batch', 'orders')
  const index = new Map(orderIds.map((id, i) => [id, i]))
  let tradeHex = ''
  let totalAmount = 0n
  for (const t of trades) {
    // 20 bytes: buy order (2) | sell order (2) | quantityWh (4) | price (12)
    const buy = index.get(t.buyId.toLowerCase() as Hex)!
    const sell = index.get(t.sellId.toLowerCase() as Hex)!
    tradeHex += hex(BigInt(buy), 2) + hex(BigInt(sell), 2) + hex(t.quantityWh, 4, 'trades') + hex(t.price, 12, 'trades')
    totalAmount += t.amount
  }
  return { orderIds, trades: `0x${tradeHex}`, totalAmount }
}

/** The root `settle` emits for these trades (see `settlementRoot`). */
export function rootOfTrades(trades: readonly SettlementTrade[]): Hex {
  const { orderIds, trades: packed } = encodeTrades(trades)
  return settlementRoot(orderIds, packed)
}

/** keccak256(orderIds || trades): the root `settle` emits for an interval. */
export function settlementRoot(orderIds: readonly Hex[], trades: Hex): Hex {
  return keccak256(`0x${orderIds.map((id) => id.slice(2)).join('')}${trades.slice(2)}`)
}

/** Big-endian fixed-width hex of `value` (checked to fit). */
function hex(value: bigint, bytes: number, field = 'orders'): string {
  if (value < 0n || value >= 1n << BigInt(bytes * 8)) {
    throw encodingError(`value ${value} does not fit in ${bytes} bytes`, field)
  }
  return value.toString(16).padStart(bytes * 2, '0')
}

function encodingError(message: string, field: string) {
  return new ChainError(message, { code: ChainErrorCode.BatchEncoding, field })
}
