import { type Hex, keccak256 } from 'viem'
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

/** The packed arguments of `GridletSettlement.settle` for one interval, plus the root the contract will store. */
export interface SettlementBatch {
  readonly interval: bigint
  readonly trades: Hex
  readonly orders: Hex
  readonly signatures: Hex
  readonly totalAmount: bigint
  /** Ids of the orders in batch order (strictly ascending). */
  readonly orderIds: readonly Hex[]
  /** keccak256(orderIds || trades): what `settledRoot(interval)` holds once this batch is settled. */
  readonly root: Hex
}

const U64 = (1n << 64n) - 1n
const U128 = (1n << 128n) - 1n

/**
 * Packs one interval's trades and the orders they fill into `settle` calldata (layout: docs/settlement.md).
 * Only orders that some trade fills are included, sorted by id, so every honest submitter encodes the same bytes.
 *
 * @example
 * const batch = encodeSettlement(result.interval, verifiedOrders, result.trades)
 * await settleBatch(client, { settlement, batch })
 */
export function encodeSettlement(
  interval: bigint,
  orders: readonly VerifiedOrder[],
  trades: readonly SettlementTrade[],
): SettlementBatch {
  if (trades.length === 0) throw encodingError('a batch needs at least one trade', 'trades')
  const byId = new Map(orders.map((o) => [o.id.toLowerCase(), o]))
  const used = new Set<string>()
  for (const t of trades) {
    used.add(t.buyId.toLowerCase())
    used.add(t.sellId.toLowerCase())
  }
  const ids = [...used].sort()
  const index = new Map(ids.map((id, i) => [id, i]))
  if (ids.length > 0xffff) throw encodingError('too many orders in one batch', 'orders')

  let orderHex = ''
  let signatureHex = ''
  for (const id of ids) {
    const o = byId.get(id)
    if (!o) throw encodingError(`a trade fills order ${id} which is not among the given orders`, 'trades')
    if (o.order.interval !== interval) throw encodingError(`order ${id} is for another interval`, 'orders')
    if (!/^0x[0-9a-fA-F]{130}$/.test(o.signature)) throw encodingError(`order ${id}: bad signature`, 'signature')
    const { quantityWh, limitPrice, nonce, account, expiry, side } = o.order
    orderHex += word((quantityWh & U64) << 192n, (limitPrice & U128) << 64n, nonce & U64)
    orderHex += word(BigInt(account) << 96n, (expiry & U64) << 32n, BigInt(side))
    signatureHex += o.signature.slice(2)
  }

  let tradeHex = ''
  let totalAmount = 0n
  for (const t of trades) {
    if (t.quantityWh > U64 || t.price > U128) throw encodingError('trade quantity or price out of range', 'trades')
    const packed =
      (BigInt(index.get(t.buyId.toLowerCase())!) << 208n) |
      (BigInt(index.get(t.sellId.toLowerCase())!) << 192n) |
      (t.quantityWh << 128n) |
      t.price
    tradeHex += (packed & ((1n << 224n) - 1n)).toString(16).padStart(56, '0')
    totalAmount += t.amount
  }
  const tradesData = `0x${tradeHex}` as Hex
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

/** keccak256(orderIds || trades): the root `settle` stores for an interval. */
export function settlementRoot(orderIds: readonly Hex[], trades: Hex): Hex {
  return keccak256(`0x${orderIds.map((id) => id.slice(2)).join('')}${trades.slice(2)}`)
}

function word(...parts: bigint[]): string {
  return parts
    .reduce((a, b) => a | b, 0n)
    .toString(16)
    .padStart(64, '0')
}

function encodingError(message: string, field: string) {
  return new ChainError(message, { code: ChainErrorCode.BatchEncoding, field })
}
