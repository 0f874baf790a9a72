import { GridletError } from '../errors.js'
import { Side, type VerifiedOrder } from '../order/types.js'
import { sortSide } from './sortBook.js'
import type { ClearingParams, MatchResult, Trade } from './types.js'

const DEFAULT_K = { num: 1n, den: 2n }

/** One side of the book in canonical order, as parallel arrays (the hot loop touches no objects). */
interface Side_ {
  readonly orders: VerifiedOrder[]
  readonly prices: number[] | bigint[]
  readonly qty: number[]
}

/**
 * Matches a book (see `selectBook`) under `params.rule`. Pure and deterministic: integer arithmetic only, ties by
 * order id, trades in canonical order. Use `clear` for the result with its root.
 *
 * Rules:
 * - `k-da`: uniform-price k-double auction. Bids by price descending, asks ascending, matched greedily; the price
 *   is lo + floor(k (hi - lo)) in the interval [lo, hi] of prices that clear the matched volume exactly.
 * - `pay-as-bid`: the same matching; each trade is priced at the buyer's limit.
 * - `sdr`: supply-demand-ratio price (Liu et al. 2017) between feed-in and retail price; pro-rata allocation.
 * - `mmr`: mid-market rate (retail + feed-in) / 2; pro-rata allocation.
 */
export function match(book: readonly VerifiedOrder[], params: ClearingParams): MatchResult {
  const bids = side(book, Side.Buy, true)
  const asks = side(book, Side.Sell, false)
  switch (params.rule) {
    case 'k-da':
    case 'pay-as-bid':
      return doubleAuction(bids, asks, params)
    case 'sdr':
    case 'mmr':
      checkTariffs(params)
      return uniformProRata(bids, asks, params)
  }
}

function side(book: readonly VerifiedOrder[], s: Side, descending: boolean): Side_ {
  const orders = book.filter((o) => o.order.side === s)
  const big = orders.some((o) => o.order.limitPrice >= 2n ** 48n)
  const prices = orders.map((o) => (big ? o.order.limitPrice : Number(o.order.limitPrice))) as number[] | bigint[]
  const order = sortSide({ prices, ids: orders.map((o) => o.id) }, descending)
  const sorted = Array.from(order, (i) => orders[i]!)
  return {
    orders: sorted,
    prices: Array.from(order, (i) => prices[i]!) as number[] | bigint[],
    qty: sorted.map((o) => Number(o.order.quantityWh)),
  }
}

interface Fill {
  readonly b: number
  readonly a: number
  readonly q: number
}

function doubleAuction(bids: Side_, asks: Side_, params: ClearingParams): MatchResult {
  const fills: Fill[] = []
  const bp = bids.prices as (number | bigint)[]
  const ap = asks.prices as (number | bigint)[]
  let i = 0
  let j = 0
  let remB = bids.qty[0] ?? 0
  let remA = asks.qty[0] ?? 0
  let volume = 0
  while (i < bp.length && j < ap.length && bp[i]! >= ap[j]!) {
    const q = Math.min(remB, remA)
    fills.push({ b: i, a: j, q })
    volume += q
    remB -= q
    remA -= q
    if (remB === 0) remB = bids.qty[++i] ?? 0
    if (remA === 0) remA = asks.qty[++j] ?? 0
  }
  if (fills.length === 0) return empty(params)
  const last = fills[fills.length - 1]!
  const price = params.rule === 'k-da' ? kPrice(bp, ap, last, i, j, params.k ?? DEFAULT_K) : undefined
  const trades = fills.map((f) => trade(bids.orders[f.b]!, asks.orders[f.a]!, f.q, price ?? BigInt(bp[f.b]!)))
  return { interval: params.interval, rule: params.rule, clearingPrice: price, volumeWh: BigInt(volume), trades }
}

/**
 * The k-DA price. With b* / a* the prices of the last matched bid / ask and b' / a' those of the first bid / ask
 * left with quantity (if any), every price in [max(a*, b'), min(b*, a')] clears the matched volume and leaves no
 * unmatched pair that could trade at a profit; k picks a point in it (k = 1/2: the midpoint, rounded down).
 */
function kPrice(
  bp: (number | bigint)[],
  ap: (number | bigint)[],
  last: Fill,
  i: number,
  j: number,
  k: { num: bigint; den: bigint },
): bigint {
  let lo = BigInt(ap[last.a]!)
  let hi = BigInt(bp[last.b]!)
  if (i < bp.length && BigInt(bp[i]!) > lo) lo = BigInt(bp[i]!)
  if (j < ap.length && BigInt(ap[j]!) < hi) hi = BigInt(ap[j]!)
  return lo + ((hi - lo) * k.num) / k.den
}

function uniformProRata(bids: Side_, asks: Side_, params: ClearingParams): MatchResult {
  // Only orders whose limits accept the price take part; the price depends on who takes part, so iterate to a
  // fixed point (bounded), and always filter by the price finally used so no order trades beyond its limit.
  let price = ruleprice(params, total(bids.qty), total(asks.qty))
  for (let round = 0; round < 8; round++) {
    const d = total(eligible(bids, price, true))
    const s = total(eligible(asks, price, false))
    const next = ruleprice(params, d, s)
    if (next === price) break
    price = next
  }
  const bq = eligible(bids, price, true)
  const aq = eligible(asks, price, false)
  const volume = Math.min(total(bq), total(aq))
  if (volume === 0) return empty(params)
  const buyAlloc = allocate(bids.orders, bq, volume)
  const sellAlloc = allocate(asks.orders, aq, volume)
  const trades: Trade[] = []
  let j = 0
  for (let i = 0; i < buyAlloc.length; i++) {
    let need = buyAlloc[i]!.q
    while (need > 0) {
      const take = Math.min(need, sellAlloc[j]!.q)
      trades.push(trade(buyAlloc[i]!.o, sellAlloc[j]!.o, take, price))
      need -= take
      sellAlloc[j]!.q -= take
      if (sellAlloc[j]!.q === 0) j++
    }
  }
  return { interval: params.interval, rule: params.rule, clearingPrice: price, volumeWh: BigInt(volume), trades }
}

/** Quantities of the orders that accept `price` (0 for the others). */
function eligible(s: Side_, price: bigint, buy: boolean): number[] {
  return s.qty.map((q, i) => {
    const limit = BigInt(s.prices[i]!)
    return (buy ? limit >= price : limit <= price) ? q : 0
  })
}

/**
 * Splits `volume` over the orders in proportion to their quantities, flooring each share; the Wh left over go one
 * each to the orders in id order, so the split is exact and deterministic. Returns orders sorted by id.
 */
function allocate(orders: VerifiedOrder[], qty: number[], volume: number): { o: VerifiedOrder; q: number }[] {
  const sum = total(qty)
  const parts = orders
    .map((o, i) => ({ o, q: Number((BigInt(qty[i]!) * BigInt(volume)) / BigInt(sum)), want: qty[i]! }))
    .filter((p) => p.want > 0)
    .sort((x, y) => (x.o.id < y.o.id ? -1 : 1))
  let left = volume - total(parts.map((p) => p.q))
  for (const p of parts) {
    if (left === 0) break
    if (p.q < p.want) {
      p.q++
      left--
    }
  }
  return parts.filter((p) => p.q > 0)
}

function ruleprice(params: ClearingParams, demandWh: number, supplyWh: number): bigint {
  const retail = params.retailPrice
  const feedIn = params.feedInPrice
  if (params.rule === 'mmr') return (retail + feedIn) / 2n
  // SDR = supply / demand; price = retail * feedIn / ((retail - feedIn) * SDR + feedIn), feed-in when SDR >= 1.
  const d = BigInt(demandWh)
  const s = BigInt(supplyWh)
  if (d === 0n || s >= d) return feedIn
  return (retail * feedIn * d) / ((retail - feedIn) * s + feedIn * d)
}

function checkTariffs(params: ClearingParams): void {
  if (params.feedInPrice <= 0n || params.retailPrice <= params.feedInPrice) {
    throw new GridletError('SDR and MMR need 0 < feed-in price < retail price', {
      code: 'CLEARING_TARIFFS',
      field: 'feedInPrice',
      details: `retail ${params.retailPrice}, feed-in ${params.feedInPrice}`,
    })
  }
}

function trade(buy: VerifiedOrder, sell: VerifiedOrder, q: number, price: bigint): Trade {
  const quantityWh = BigInt(q)
  return {
    buyId: buy.id,
    sellId: sell.id,
    buyer: buy.order.account,
    seller: sell.order.account,
    quantityWh,
    price,
    amount: (quantityWh * price) / 1000n,
  }
}

function total(xs: readonly number[]): number {
  let s = 0
  for (const x of xs) s += x
  return s
}

function empty(params: ClearingParams): MatchResult {
  return { interval: params.interval, rule: params.rule, clearingPrice: undefined, volumeWh: 0n, trades: [] }
}
