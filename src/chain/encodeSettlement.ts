import { type Address, getAddress, type Hex } from 'viem'
import { resultRoot } from '../core/market/resultRoot.js'
import { type ClearingRule, RULE_CODE, type Trade } from '../core/market/types.js'
import type { VerifiedOrder } from '../core/order/types.js'
import { DEFAULT_MAX_PRICE, MAX_QUANTITY_WH } from '../core/order/verifyOrder.js'
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
  /** Fee market only: the network level (0 same feeder, 1 same transformer, 2 upstream). */
  readonly level?: number
  /** Fee market only: quantityWh * feePerWh, paid by the buyer on top of `amount` to the fee recipient. */
  readonly fee?: bigint
}

/** One household's signature over the interval's EIP-712 `Result(market, interval, setHash, root)`. */
import type { Attestation } from '../core/protocol/announcements.js'

export type { Attestation }

/**
 * What the neighbourhood agreed for an interval beyond the trades: the rest of the result root's header and the
 * result announcements of a quorum of households (docs/settlement.md, "Attested settlement").
 */
export interface Agreement {
  readonly rule: ClearingRule
  /** Uniform clearing price; undefined (encoded 0) for pay-as-bid or no trade. */
  readonly clearingPrice: bigint | undefined
  readonly attestations: readonly Attestation[]
  /**
   * A fee market's (grid clearing's) fee recipient: its presence selects `settleWithFees`, 29-byte trades with
   * level and fee per Wh, and the v2 root, as it selects the v2 root in the core.
   */
  readonly feeRecipient?: Address
}

/** The packed arguments of `GridletSettlement.settle` for one interval, plus the root it will emit. */
export interface SettlementBatch {
  readonly interval: bigint
  readonly trades: Hex
  readonly orders: Hex
  readonly signatures: Hex
  readonly totalAmount: bigint
  /** Rule code (RULE_CODE). */
  readonly rule: number
  readonly clearingPrice: bigint
  /** 101 bytes each: household index (4) | setHash | r | s | v, by ascending household index. */
  readonly attestations: Hex
  /** The accounts whose attestations are in the batch, in batch order. */
  readonly attesters: readonly Address[]
  /** Ids of the orders in batch order (strictly ascending). */
  readonly orderIds: readonly Hex[]
  /** The result root (core `resultRoot`) the contract recomputes, checks the attestations against and emits. */
  readonly root: Hex
  /** The fee recipient of a fee batch (settled with `settleWithFees`); undefined: a plain batch (`settle`). */
  readonly feeRecipient?: Address
}

export interface EncodeSettlementOptions {
  /**
   * Put at most this many attestations in the batch (the contract's quorum is enough; each one more costs an
   * ecrecover). The ones with the lowest household indices are kept, so every submitter encodes the same bytes.
   */
  maxAttestations?: number
}

/**
 * Packs one interval's trades, the orders they fill and the agreement's attestations into `settle` calldata
 * (layout: docs/settlement.md). Only orders that some trade fills are included, sorted by id; trades keep the
 * clearing result's order (the root hashes them in that order); attestations are sorted by household index, one
 * per account. `households` maps each (checksummed) account of an order or attestation to its household index in
 * the contract (`indexOf`).
 *
 * @example
 * const agreement = { rule: result.rule, clearingPrice: result.clearingPrice, attestations }
 * const batch = encodeSettlement(result.interval, verifiedOrders, result.trades, households, agreement)
 * await settleBatch(client, { settlement, batch })
 */
export function encodeSettlement(
  interval: bigint,
  orders: readonly VerifiedOrder[],
  trades: readonly SettlementTrade[],
  households: ReadonlyMap<Address, number>,
  agreement: Agreement,
  opts: EncodeSettlementOptions = {},
): SettlementBatch {
  const fees = agreement.feeRecipient !== undefined
  const { orderIds: ids, trades: tradesData, totalAmount } = encodeTrades(trades, { fees })
  const byId = new Map(orders.map((o) => [o.id.toLowerCase(), o]))
  let orderHex = ''
  let signatureHex = ''
  for (const id of ids) {
    const o = byId.get(id)
    if (!o) throw encodingError(`a trade fills order ${id} which is not among the given orders`, 'trades')
    if (o.order.interval !== interval) throw encodingError(`order ${id} is for another interval`, 'orders')
    if (!/^0x[0-9a-fA-F]{130}$/.test(o.signature)) throw encodingError(`order ${id}: bad signature`, 'signature')
    const { quantityWh, limitPrice, nonce, account, expiry, side } = o.order
    if (limitPrice >= 1n << 96n) throw encodingError(`order ${id}: limit price must be below 2^96`, 'limitPrice')
    const household = households.get(getAddress(account))
    if (!household) throw encodingError(`account ${account} has no household index`, 'account')
    // 45 bytes: side (1) | limitPrice (16) | quantityWh (8) | nonce (8) | expiry (8) | household (4)
    orderHex += hex(BigInt(side), 1) + hex(limitPrice, 16) + hex(quantityWh, 8) + hex(nonce, 8) + hex(expiry, 8)
    orderHex += hex(BigInt(household), 4)
    signatureHex += o.signature.slice(2)
  }

  const { attestations, attesters } = encodeAttestations(agreement.attestations, households, opts.maxAttestations)
  return {
    interval,
    trades: tradesData,
    orders: `0x${orderHex}`,
    signatures: `0x${signatureHex}`,
    totalAmount,
    rule: RULE_CODE[agreement.rule],
    clearingPrice: agreement.clearingPrice ?? 0n,
    attestations,
    attesters,
    orderIds: ids as Hex[],
    root: rootOfResult(interval, trades, agreement),
    ...(fees && { feeRecipient: getAddress(agreement.feeRecipient!) }),
  }
}

/** 101 bytes per attestation (household index | setHash | signature), ascending index, one per account, at most `max`. */
function encodeAttestations(
  list: readonly Attestation[],
  households: ReadonlyMap<Address, number>,
  max = Number.POSITIVE_INFINITY,
): { attestations: Hex; attesters: Address[] } {
  const byIndex = new Map<number, Attestation>()
  for (const a of list) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(a.setHash))
      throw encodingError(`attestation of ${a.account}: bad setHash`, 'attestations')
    if (!/^0x[0-9a-fA-F]{130}$/.test(a.signature))
      throw encodingError(`attestation of ${a.account}: bad signature`, 'attestations')
    const index = households.get(getAddress(a.account))
    if (!index) throw encodingError(`attester ${a.account} has no household index`, 'attestations')
    byIndex.set(index, a)
  }
  const kept = [...byIndex].sort(([x], [y]) => x - y).slice(0, max)
  return {
    attestations: `0x${kept.map(([i, a]) => hex(BigInt(i), 4) + a.setHash.slice(2) + a.signature.slice(2)).join('')}`,
    attesters: kept.map(([, a]) => getAddress(a.account)),
  }
}

/**
 * The result root of an interval from its trades and agreement (core `resultRoot`): what the contract recomputes
 * from a batch and emits in `Settled`, and what the attesting households signed.
 */
export function rootOfResult(
  interval: bigint,
  trades: readonly SettlementTrade[],
  agreement: Pick<Agreement, 'rule' | 'clearingPrice' | 'feeRecipient'>,
): Hex {
  const volumeWh = trades.reduce((v, t) => v + t.quantityWh, 0n)
  // resultRoot reads only the fields a SettlementTrade has (ids, quantity, price, amount, level, fee).
  return resultRoot({
    interval,
    rule: agreement.rule,
    clearingPrice: agreement.clearingPrice,
    volumeWh,
    trades: trades as readonly Trade[],
    ...(agreement.feeRecipient !== undefined && { feeRecipient: getAddress(agreement.feeRecipient) }),
  })
}

/**
 * The trades part of a batch: order ids (sorted, each filled order once), the packed trades and their total
 * amount (fees excluded). With `fees` each trade also packs its level and fee per Wh (fee / quantityWh, exact).
 */
export function encodeTrades(
  trades: readonly SettlementTrade[],
  opts: { fees?: boolean } = {},
): {
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
    // The core's bounds (verifyOrder, selectBook) are the contract's field widths: uint32 Wh, uint96 price.
    if (t.quantityWh <= 0n || t.quantityWh > MAX_QUANTITY_WH) {
      throw encodingError(`trade quantity ${t.quantityWh} Wh is outside 1..${MAX_QUANTITY_WH}`, 'quantityWh')
    }
    if (t.price < 0n || t.price > DEFAULT_MAX_PRICE) {
      throw encodingError(`trade price ${t.price} is outside 0..${DEFAULT_MAX_PRICE}`, 'price')
    }
    tradeHex += hex(BigInt(buy), 2) + hex(BigInt(sell), 2) + hex(t.quantityWh, 4, 'trades') + hex(t.price, 12, 'trades')
    // fee trades, 9 bytes more: level (1) | feePerWh (8)
    if (opts.fees) tradeHex += feeHex(t)
    else if (t.fee) throw encodingError('a trade with a fee in a batch without a fee recipient', 'fee')
    totalAmount += t.amount
  }
  return { orderIds, trades: `0x${tradeHex}`, totalAmount }
}

function feeHex(t: SettlementTrade): string {
  const level = t.level ?? 0
  const fee = t.fee ?? 0n
  if (!Number.isInteger(level) || level < 0 || level > 2)
    throw encodingError(`trade level ${level} is not 0..2`, 'level')
  if (fee % t.quantityWh !== 0n) {
    throw encodingError(`trade fee ${fee} is not a whole fee per Wh of ${t.quantityWh} Wh`, 'fee')
  }
  return hex(BigInt(level), 1, 'level') + hex(fee / t.quantityWh, 8, 'fee')
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
