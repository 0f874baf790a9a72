import { GridletError } from '../errors.js'
import { Side, type VerifiedOrder } from '../order/types.js'
import { scratch } from './scratch.js'
import type { BookArrays } from './selectBook.js'
import { sortSide } from './sortBook.js'
import type { ClearingParams, ClearingRule, MatchResult, Trade } from './types.js'

const DEFAULT_K = { num: 1n, den: 2n }

/**
 * One side of the book: positions of its orders in the order set, their prices as exact numbers below 2^48
 * (bigints above, so every comparison stays exact), their quantities, and `order`, their indices in canonical
 * order. Flat typed arrays: the greedy walk reads only the matched prefix, and nothing is allocated per order.
 */
export interface BookSide {
  readonly orders: readonly VerifiedOrder[]
  /** Position in `orders` of the side's i-th order. */
  readonly pos: Uint32Array
  readonly prices: Float64Array | bigint[]
  /** Quantities by side index, converted in the same sequential pass as the prices. */
  readonly qty: Float64Array
  readonly order: Uint32Array
}

/** The order at sorted position p, its price and its quantity. */
const at = (s: BookSide, p: number) => s.orders[s.pos[s.order[p]!]!]!
const priceAt = (s: BookSide, p: number) => s.prices[s.order[p]!]!
const qtyAt = (s: BookSide, p: number) => (p < s.order.length ? s.qty[s.order[p]!]! : 0)
const quantities = (s: BookSide) => Float64Array.from(s.order, (i) => s.qty[i]!)

/** A fill of `buy` by `sell` at `price` (token units per kWh) as a trade: amount = quantity x price / 1000, floored. */
export function tradeOf(buy: VerifiedOrder, sell: VerifiedOrder, quantityWh: bigint, price: bigint): Trade {
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

/**
 * Matches a book (see `selectBook`) under `params.rule`. Pure and deterministic: integer arithmetic only, ties by
 * order id, trades in canonical order. Use `clear` for the result with its root.
 *
 * Rules:
 * - `k-da`: uniform-price k-double auction. Bids by price descending, asks ascending, matched greedily; the price
 *   is lo + floor(k (hi - lo)) in the interval [lo, hi] of prices that clear the matched volume exactly.
 * - `pay-as-bid`: the same matching; each trade is priced at the buyer's limit.
 * - `sdr`: supply-demand-ratio price (Liu et al. 2017) between feed-in and retail price, from the book's total
 *   supply and demand; orders whose limits accept it trade, the long side pro rata.
 * - `mmr`: mid-market rate (retail + feed-in) / 2 (Long et al. 2017); the same allocation.
 */
export function match(book: readonly VerifiedOrder[], params: ClearingParams): MatchResult {
  return matchPositions(book, bookArrays(book), params)
}

/** `match` of a book given as flat arrays over an order set (see `selectPositions`). */
export function matchPositions(
  orders: readonly VerifiedOrder[],
  book: BookArrays,
  params: ClearingParams,
): MatchResult {
  const bids = bookSide(orders, book, Side.Buy)
  const asks = bookSide(orders, book, Side.Sell)
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

const FAST_PRICE = 2 ** 48

/** The flat arrays of a book taken as it is (no selection). */
function bookArrays(book: readonly VerifiedOrder[]): BookArrays {
  const n = book.length
  const side = new Uint8Array(n)
  const qty = new Float64Array(n)
  const prices = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const { order } = book[i]!
    side[i] = order.side
    qty[i] = Number(order.quantityWh)
    prices[i] = Number(order.limitPrice)
  }
  return { pos: Uint32Array.from(book, (_, i) => i), side, qty, prices }
}

/**
 * One side of the book (in book order), sorted canonically; bigint prices if any of its prices reaches 2^48. Its
 * arrays are work buffers, valid until the next clearing.
 */
export function bookSide(orders: readonly VerifiedOrder[], book: BookArrays, side: Side): BookSide {
  const n = book.pos.length
  // the side's entries are copied in one pass into buffers sized for the whole book, then cut to their count
  const all = {
    pos: scratch(`${side}.pos`, Uint32Array, n),
    qty: scratch(`${side}.qty`, Float64Array, n),
    fast: scratch(`${side}.prices`, Float64Array, n),
    tie: book.tie === undefined ? undefined : scratch(`${side}.bookTie`, Float64Array, n),
  }
  let exact = true
  let count = 0
  for (let i = 0; i < n; i++) {
    if (book.side[i] !== side) continue
    all.pos[count] = book.pos[i]!
    all.qty[count] = book.qty[i]!
    if (all.tie) all.tie[count] = book.tie![i]!
    const p = book.prices[i]!
    if (p >= FAST_PRICE) exact = false
    all.fast[count++] = p
  }
  const pos = all.pos.subarray(0, count)
  const qty = all.qty.subarray(0, count)
  const fast = all.fast.subarray(0, count)
  const tie = all.tie?.subarray(0, count)
  // Number() of a bigint below 2^53 is exact, so this decides the fast path exactly.
  const prices = exact ? fast : Array.from(pos, (p) => orders[p]!.order.limitPrice)
  const idOf = (i: number) => orders[pos[i]!]!.id
  return { orders, pos, prices, qty, order: sortSide(prices, idOf, side === Side.Buy, `${side}`, tie) }
}

/**
 * Fills as parallel arrays (positions in the order set of the buy and the sell, quantity) with one price rule.
 * Trade objects, with their bigint amounts, are built only when read: a 1M-order book matches without allocating
 * 500k of them.
 */
class Fills implements MatchResult {
  readonly volumeWh: bigint
  #trades: Trade[] | undefined

  constructor(
    readonly interval: bigint,
    readonly rule: ClearingRule,
    readonly clearingPrice: bigint | undefined,
    private readonly orders: readonly VerifiedOrder[],
    private readonly buys: Uint32Array,
    private readonly sells: Uint32Array,
    private readonly q: Float64Array,
    volume: number,
  ) {
    this.volumeWh = BigInt(volume)
  }

  get trades(): readonly Trade[] {
    this.#trades ??= Array.from(this.buys, (b, f) => {
      const buy = this.orders[b]!
      const sell = this.orders[this.sells[f]!]!
      return tradeOf(buy, sell, BigInt(this.q[f]!), this.clearingPrice ?? buy.order.limitPrice)
    })
    return this.#trades
  }
}

/** The fills of sorted positions `b`/`a` of the sides, with the orders' positions in the order set instead. */
function fills(
  params: ClearingParams,
  price: bigint | undefined,
  sides: { bids: BookSide; asks: BookSide },
  fill: { b: ArrayLike<number>; a: ArrayLike<number>; q: ArrayLike<number> },
  volume: number,
): Fills {
  const n = fill.b.length
  const buys = new Uint32Array(n)
  const sells = new Uint32Array(n)
  const { bids, asks } = sides
  for (let f = 0; f < n; f++) {
    buys[f] = bids.pos[bids.order[fill.b[f]!]!]!
    sells[f] = asks.pos[asks.order[fill.a[f]!]!]!
  }
  return new Fills(params.interval, params.rule, price, bids.orders, buys, sells, Float64Array.from(fill.q), volume)
}

function doubleAuction(bids: BookSide, asks: BookSide, params: ClearingParams): MatchResult {
  const nb = bids.order.length
  const na = asks.order.length
  const max = nb + na
  const fb = scratch('fill.b', Uint32Array, max)
  const fa = scratch('fill.a', Uint32Array, max)
  const fq = scratch('fill.q', Float64Array, max)
  let n = 0
  let i = 0
  let j = 0
  let remB = qtyAt(bids, 0)
  let remA = qtyAt(asks, 0)
  let volume = 0
  // Locals, not the helpers: this loop runs once per fill and is the matcher's hot path.
  const { order: bo, prices: bp } = bids
  const { order: ao, prices: ap } = asks
  while (i < nb && j < na && bp[bo[i]!]! >= ap[ao[j]!]!) {
    const q = Math.min(remB, remA)
    fb[n] = i
    fa[n] = j
    fq[n++] = q
    volume += q
    remB -= q
    remA -= q
    if (remB === 0) remB = qtyAt(bids, ++i)
    if (remA === 0) remA = qtyAt(asks, ++j)
  }
  const price =
    params.rule === 'k-da' && n > 0
      ? kPrice(bids, asks, fb[n - 1]!, fa[n - 1]!, i, j, params.k ?? DEFAULT_K)
      : undefined
  return fills(
    params,
    price,
    { bids, asks },
    { b: fb.subarray(0, n), a: fa.subarray(0, n), q: fq.subarray(0, n) },
    volume,
  )
}

/**
 * The k-DA price. With b* / a* the prices of the last matched bid / ask and b' / a' those of the first bid / ask
 * left with quantity (if any), every price in [max(a*, b'), min(b*, a')] clears the matched volume and leaves no
 * unmatched pair that could trade at a profit; k picks a point in it (k = 1/2: the midpoint, rounded down).
 */
function kPrice(
  bids: BookSide,
  asks: BookSide,
  lastB: number,
  lastA: number,
  i: number,
  j: number,
  k: { num: bigint; den: bigint },
): bigint {
  let lo = BigInt(priceAt(asks, lastA))
  let hi = BigInt(priceAt(bids, lastB))
  if (i < bids.order.length && BigInt(priceAt(bids, i)) > lo) lo = BigInt(priceAt(bids, i))
  if (j < asks.order.length && BigInt(priceAt(asks, j)) < hi) hi = BigInt(priceAt(asks, j))
  return lo + ((hi - lo) * k.num) / k.den
}

function uniformProRata(bids: BookSide, asks: BookSide, params: ClearingParams): MatchResult {
  // As in the literature, the price follows the community's whole supply and demand (every order counts towards
  // the ratio); orders whose limits refuse that price then stay out, so no one trades beyond its limit.
  const price = rulePrice(params, total(quantities(bids)), total(quantities(asks)))
  const bq = eligible(bids, price, true)
  const aq = eligible(asks, price, false)
  const volume = Math.min(total(bq), total(aq))
  const buys = allocate(bids, bq, volume)
  const sells = allocate(asks, aq, volume)
  const fb: number[] = []
  const fa: number[] = []
  const fq: number[] = []
  let j = 0
  for (const buy of buys) {
    let need = buy.q
    while (need > 0) {
      const sell = sells[j]!
      const take = Math.min(need, sell.q)
      fb.push(buy.pos)
      fa.push(sell.pos)
      fq.push(take)
      need -= take
      sell.q -= take
      if (sell.q === 0) j++
    }
  }
  const traded = volume > 0 ? price : undefined
  return fills(params, traded, { bids, asks }, { b: fb, a: fa, q: fq }, volume)
}

/** Quantities of the orders that accept `price` (0 for the others). */
function eligible(s: BookSide, price: bigint, buy: boolean): Float64Array {
  return quantities(s).map((q, p) => {
    const limit = BigInt(priceAt(s, p))
    return (buy ? limit >= price : limit <= price) ? q : 0
  })
}

/**
 * Splits `volume` over the orders in proportion to their quantities, flooring each share; the Wh left over go one
 * each to the orders in id order, so the split is exact and deterministic. Returns positions sorted by id.
 */
function allocate(s: BookSide, qty: Float64Array, volume: number): { pos: number; q: number }[] {
  const sum = BigInt(total(qty))
  const parts = Array.from(qty, (want, pos) => ({
    pos,
    want,
    q: sum ? Number((BigInt(want) * BigInt(volume)) / sum) : 0,
  }))
    .filter((p) => p.want > 0)
    .sort((x, y) => (at(s, x.pos).id < at(s, y.pos).id ? -1 : 1))
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

function rulePrice(params: ClearingParams, demandWh: number, supplyWh: number): bigint {
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

function total(xs: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]!
  return s
}
