import { GridletError } from '../errors.js'
import { Side, type VerifiedOrder } from '../order/types.js'
import { sortSide } from './sortBook.js'
import type { ClearingParams, ClearingRule, MatchResult, Trade } from './types.js'

const DEFAULT_K = { num: 1n, den: 2n }

/**
 * One side of the book: the orders as given, their prices as exact numbers below 2^48 (bigints above, so every
 * comparison stays exact), and `order`, their positions in canonical order. The greedy walk reads only the
 * matched prefix, so nothing else is copied or converted.
 */
interface BookSide {
  readonly orders: readonly VerifiedOrder[]
  readonly prices: Float64Array | bigint[]
  /** Quantities by original position, converted in the same sequential pass as the prices. */
  readonly qty: Float64Array
  readonly order: Uint32Array
}

/** The order at sorted position p, its price and its quantity. */
const at = (s: BookSide, p: number) => s.orders[s.order[p]!]!
const priceAt = (s: BookSide, p: number) => s.prices[s.order[p]!]!
const qtyAt = (s: BookSide, p: number) => (p < s.order.length ? s.qty[s.order[p]!]! : 0)
const quantities = (s: BookSide) => Float64Array.from(s.order, (i) => s.qty[i]!)

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
  const buy: VerifiedOrder[] = []
  const sell: VerifiedOrder[] = []
  for (let i = 0; i < book.length; i++) {
    const o = book[i]!
    if (o.order.side === Side.Buy) buy.push(o)
    else sell.push(o)
  }
  const bids = bookSide(buy, true)
  const asks = bookSide(sell, false)
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

function bookSide(orders: VerifiedOrder[], descending: boolean): BookSide {
  const n = orders.length
  const qty = new Float64Array(n)
  let prices: Float64Array | bigint[] = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const { order } = orders[i]!
    qty[i] = Number(order.quantityWh)
    // Number() of a bigint below 2^53 is exact, so this decides the fast path exactly.
    prices[i] = Number(order.limitPrice)
    if (prices[i]! >= FAST_PRICE) {
      prices = orders.map((o) => o.order.limitPrice)
      for (let k = i + 1; k < n; k++) qty[k] = Number(orders[k]!.order.quantityWh)
      break
    }
  }
  return { orders, prices, qty, order: sortSide(prices, (i) => orders[i]!.id, descending) }
}

/**
 * Fills as parallel arrays (positions in the sorted sides, quantity) with one price rule. Trade objects, with
 * their bigint amounts, are built only when read: a 1M-order book matches without allocating 500k of them.
 */
class Fills implements MatchResult {
  readonly volumeWh: bigint
  #trades: Trade[] | undefined

  constructor(
    readonly interval: bigint,
    readonly rule: ClearingRule,
    readonly clearingPrice: bigint | undefined,
    private readonly bids: BookSide,
    private readonly asks: BookSide,
    private readonly b: Uint32Array,
    private readonly a: Uint32Array,
    private readonly q: Float64Array,
    volume: number,
  ) {
    this.volumeWh = BigInt(volume)
  }

  get trades(): readonly Trade[] {
    this.#trades ??= Array.from(this.b, (bi, f) => {
      const buy = at(this.bids, bi)
      const sell = at(this.asks, this.a[f]!)
      const price = this.clearingPrice ?? buy.order.limitPrice
      const quantityWh = BigInt(this.q[f]!)
      return {
        buyId: buy.id,
        sellId: sell.id,
        buyer: buy.order.account,
        seller: sell.order.account,
        quantityWh,
        price,
        amount: (quantityWh * price) / 1000n,
      }
    })
    return this.#trades
  }
}

function doubleAuction(bids: BookSide, asks: BookSide, params: ClearingParams): MatchResult {
  const nb = bids.order.length
  const na = asks.order.length
  const max = nb + na
  const fb = new Uint32Array(max)
  const fa = new Uint32Array(max)
  const fq = new Float64Array(max)
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
  return new Fills(
    params.interval,
    params.rule,
    price,
    bids,
    asks,
    fb.subarray(0, n),
    fa.subarray(0, n),
    fq.subarray(0, n),
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
  const arrays = [Uint32Array.from(fb), Uint32Array.from(fa), Float64Array.from(fq)] as const
  return new Fills(params.interval, params.rule, traded, bids, asks, ...arrays, volume)
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
