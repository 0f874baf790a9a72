import { GridletError } from '../errors.js'
import { Side, type VerifiedOrder } from '../order/types.js'
import { accountHash, feederMemo } from './feederMemo.js'
import { checkGrid, type GridClearing, type GridLevel } from './grid.js'
import { consume, headroom, levelOf, levelOfZone, type Network, networkOf, zoneOf } from './gridNetwork.js'
import { type BookSide, bookSide, tradeOf } from './match.js'
import { scratch } from './scratch.js'
import type { BookArrays } from './selectBook.js'
import type { ClearingParams, ClearingRule, MatchResult, Trade } from './types.js'

const DEFAULT_K = { num: 1n, den: 2n }
const LEVELS: readonly GridLevel[] = [0, 1, 2]

/**
 * Grid-aware double auction (docs/market.md, "Grid fees and capacity"). Three stages, one per network level: the
 * book is matched within each feeder (level 0), what is left across the feeders of each transformer (level 1),
 * what is left across transformers or with accounts off the network (level 2). In each stage a bid can take an ask
 * only if `bid - 1000 * feePerWh[level] >= ask` (prices per kWh, the fee per Wh), bids in canonical order each take
 * the cheapest eligible ask, and no fill may push the flow scheduled out of (into) a feeder or transformer beyond
 * its export (import) limit: the flow in each direction is counted on its own, so the net flow stays within it too.
 *
 * Prices: k-da gives each stage's zone (a feeder, a transformer, the market) one price for the seller,
 * lo + floor(k (hi - lo)) with lo the highest matched ask and hi the lowest matched bid net of the fee;
 * pay-as-bid pays the seller the buyer's limit net of the fee. The buyer pays `amount` to the seller and `fee`
 * to the fee recipient, so no buyer pays above its limit and no seller receives below its ask.
 *
 * The walk runs on flat arrays in canonical order: each level's price test is turned first, in one merge of the
 * two sorted sides, into a bound on the ask's rank per bid (`cutOf`), so the loop compares integers and allocates
 * nothing per order or fill; trade objects are built when first read.
 */
export function matchGrid(
  orders: readonly VerifiedOrder[],
  book: BookArrays,
  params: ClearingParams,
  grid: GridClearing,
): MatchResult {
  checkGrid(grid)
  if (params.rule !== 'k-da' && params.rule !== 'pay-as-bid') {
    throw new GridletError('grid-aware clearing needs the k-da or pay-as-bid rule', {
      code: 'CLEARING_GRID_RULE',
      field: 'rule',
      details: params.rule,
    })
  }
  const net = networkOf(grid)
  const loc = locations(orders, book, net, grid)
  const bids = gridSide(bookSide(orders, book, Side.Buy), book, loc, Side.Buy)
  const asks = gridSide(bookSide(orders, book, Side.Sell), book, loc, Side.Sell)
  const groups = askGroups(asks.loc, net.feeders + 1)
  const fills = new FillBuffer(bids.pos.length + asks.pos.length + 64)
  const cut = scratch('grid.cut', Uint32Array, bids.pos.length)
  for (const level of LEVELS) {
    cutOf(bids, asks, grid.feePerWh[level] * 1000n, cut)
    matchLevel(level, bids, asks, groups, net, cut, fills)
  }
  return resultOf(orders, bids, asks, fills, net, params, grid)
}

/**
 * Each book entry's location (its feeder, `net.feeders` off the network), in book order: that is the order set's
 * order, so the accounts are read mostly in memory order. `feederOf` is asked once per account (see feederMemo.ts); the memo's table is probed in a pass of its own.
 */
function locations(orders: readonly VerifiedOrder[], book: BookArrays, net: Network, grid: GridClearing) {
  const n = book.pos.length
  const loc = scratch('grid.loc', Uint32Array, n)
  const memo = feederMemo(grid, n)
  const hash = book.accountHash ?? accountHashes(orders, book)
  const guess = scratch('grid.guess', Int32Array, n)
  memo.guesses(hash, n, guess)
  const accounts = book.accounts
  for (let i = 0; i < n; i++) {
    const account = accounts === undefined ? orders[book.pos[i]!]!.order.account : accounts[i]!
    const f = memo.answerAt(account, hash[i]!, guess[i]!)
    if (f === undefined) loc[i] = net.feeders
    else if (Number.isInteger(f) && f >= 0 && f < net.feeders) loc[i] = f
    else {
      throw new GridletError('invalid grid input for the clearing', {
        code: 'CLEARING_GRID',
        field: 'feederOf',
        details: `feeder ${f} of ${account} is not one of the ${net.feeders} feeders`,
      })
    }
  }
  return loc
}

function accountHashes(orders: readonly VerifiedOrder[], book: BookArrays): Int32Array {
  return Int32Array.from(book.pos, (p) => accountHash(orders[p]!.order.account))
}

/** One side by canonical rank: order-set positions, remaining quantities, network locations and exact prices. */
interface GridSide {
  readonly sorted: BookSide
  readonly pos: Uint32Array
  readonly rem: Float64Array
  readonly loc: Uint32Array
  /** Prices by rank when they are numbers (below 2^48), so the per-level merges (`cutOf`) read them in order. */
  readonly price: Float64Array | undefined
}

function gridSide(sorted: BookSide, book: BookArrays, locOfEntry: Uint32Array, side: Side): GridSide {
  const n = sorted.order.length
  const prices = sorted.prices instanceof Float64Array ? sorted.prices : undefined
  // Each entry's position, quantity, location and price side by side (the side's orders are the book's entries
  // of that side, in book order), so putting them in rank order reads one cache line per entry, not four.
  const rec = scratch(`grid.${side}.rec`, Float64Array, 4 * n)
  for (let i = 0, k = 0; k < n; i++) {
    if (book.side[i] !== side) continue
    rec[4 * k] = sorted.pos[k]!
    rec[4 * k + 1] = sorted.qty[k]!
    rec[4 * k + 2] = locOfEntry[i]!
    rec[4 * k + 3] = prices === undefined ? 0 : prices[k]!
    k++
  }
  const pos = scratch(`grid.${side}.pos`, Uint32Array, n)
  const rem = scratch(`grid.${side}.rem`, Float64Array, n)
  const loc = scratch(`grid.${side}.loc`, Uint32Array, n)
  const price = scratch(`grid.${side}.price`, Float64Array, n)
  for (let r = 0; r < n; r++) {
    const at = 4 * sorted.order[r]!
    pos[r] = rec[at]!
    rem[r] = rec[at + 1]!
    loc[r] = rec[at + 2]!
    price[r] = rec[at + 3]!
  }
  return { sorted, pos, rem, loc, price: prices && price }
}

/** Asks by location, each group in canonical order, with a head pointer past the exhausted ones. */
interface Groups {
  readonly start: Uint32Array
  readonly items: Uint32Array
  readonly head: Uint32Array
}

function askGroups(loc: Uint32Array, count: number): Groups {
  const start = new Uint32Array(count + 1)
  const n = loc.length
  for (let a = 0; a < n; a++) start[loc[a]! + 1]!++
  for (let g = 0; g < count; g++) start[g + 1]! += start[g]!
  const fill = start.slice(0, count)
  const items = scratch('grid.groups', Uint32Array, n)
  for (let a = 0; a < n; a++) items[fill[loc[a]!]!++] = a
  return { start, items, head: start.slice(0, count) }
}

/**
 * Per bid rank, how many asks (a prefix in canonical order: prices ascend) pass `ask <= bid - fee`. Bids descend,
 * so one merge of the two sides gives every bound. Prices below 2^48 compare as numbers, exactly: a fee of 2^49 or
 * more (per kWh) admits no ask, the same as the fee itself; a side with larger prices compares bigints.
 */
function cutOf(bids: GridSide, asks: GridSide, feePerKWh: bigint, cut: Uint32Array): void {
  const nb = bids.pos.length
  let j = asks.pos.length
  let r = 0
  const bp = bids.price
  const ap = asks.price
  if (bp !== undefined && ap !== undefined) {
    const fee = feePerKWh < FEE_CAP ? Number(feePerKWh) : Number(FEE_CAP)
    for (; r < nb && j > 0; r++) {
      const bid = bp[r]!
      while (j > 0 && ap[j - 1]! + fee > bid) j--
      cut[r] = j
    }
  } else {
    const big = (s: BookSide, rank: number) => BigInt(s.prices[s.order[rank]!]!)
    for (; r < nb && j > 0; r++) {
      const limit = big(bids.sorted, r) - feePerKWh
      while (j > 0 && big(asks.sorted, j - 1) > limit) j--
      cut[r] = j
    }
  }
  // once no ask passes, none does for the bids after
  cut.fill(0, r)
}

const FEE_CAP = 2n ** 49n

/**
 * Fills as parallel arrays: bid rank, ask rank, quantity and pricing zone (`zoneOf`). Grows when a walk fills more
 * than expected (each fill uses up a bid, an ask or some headroom, so it rarely does).
 */
class FillBuffer {
  b: Uint32Array
  a: Uint32Array
  q: Float64Array
  z: Uint32Array
  n = 0

  constructor(capacity: number) {
    this.b = scratch('grid.fill.b', Uint32Array, capacity)
    this.a = scratch('grid.fill.a', Uint32Array, capacity)
    this.q = scratch('grid.fill.q', Float64Array, capacity)
    this.z = scratch('grid.fill.z', Uint32Array, capacity)
  }

  push(b: number, a: number, q: number, z: number): void {
    if (this.n === this.b.length) {
      const grow = <T extends Uint32Array | Float64Array>(x: T, make: (n: number) => T) => {
        const y = make(2 * x.length)
        y.set(x)
        return y
      }
      this.b = grow(this.b, (n) => new Uint32Array(n))
      this.a = grow(this.a, (n) => new Uint32Array(n))
      this.q = grow(this.q, (n) => new Float64Array(n))
      this.z = grow(this.z, (n) => new Uint32Array(n))
    }
    const f = this.n++
    this.b[f] = b
    this.a[f] = a
    this.q[f] = q
    this.z[f] = z
  }
}

function matchLevel(
  level: GridLevel,
  bids: GridSide,
  asks: GridSide,
  groups: Groups,
  net: Network,
  cut: Uint32Array,
  fills: FillBuffer,
): void {
  const count = groups.head.length
  for (let b = 0; b < bids.pos.length; b++) {
    // bids descend, so once no ask passes the price test none does for the bids after
    if (cut[b] === 0) break
    const gb = bids.loc[b]!
    while (bids.rem[b]! > 0) {
      const room = headroom(net, gb, level, true)
      if (room <= 0) break
      // the cheapest eligible ask: the group heads compare by canonical position (price, then id)
      let best = -1
      for (let g = 0; g < count; g++) {
        if (levelOf(net, gb, g) !== level || headroom(net, g, level, false) <= 0) continue
        let h = groups.head[g]!
        while (h < groups.start[g + 1]! && asks.rem[groups.items[h]!] === 0) h++
        groups.head[g] = h
        if (h < groups.start[g + 1]! && (best === -1 || groups.items[h]! < best)) best = groups.items[h]!
      }
      if (best === -1 || best >= cut[b]!) break
      const ga = asks.loc[best]!
      const q = Math.min(bids.rem[b]!, asks.rem[best]!, room, headroom(net, ga, level, false))
      bids.rem[b]! -= q
      asks.rem[best]! -= q
      consume(net, gb, level, true, q)
      consume(net, ga, level, false, q)
      fills.push(b, best, q, zoneOf(net, level, gb))
    }
  }
}

/**
 * The result over the fills. k-da prices each zone at lo + floor(k (hi - lo)), lo the highest matched ask and hi
 * the lowest matched bid net of the zone's fee: the last matched ranks of the zone, as sides are sorted by price.
 */
function resultOf(
  orders: readonly VerifiedOrder[],
  bids: GridSide,
  asks: GridSide,
  fills: FillBuffer,
  net: Network,
  params: ClearingParams,
  grid: GridClearing,
): MatchResult {
  const n = fills.n
  const zones = net.feeders + net.transformers + 1
  const lastB = new Int32Array(zones).fill(-1)
  const lastA = new Int32Array(zones).fill(-1)
  const buys = new Uint32Array(n)
  const sells = new Uint32Array(n)
  let volume = 0
  for (let f = 0; f < n; f++) {
    const z = fills.z[f]!
    const b = fills.b[f]!
    const a = fills.a[f]!
    if (b > lastB[z]!) lastB[z] = b
    if (a > lastA[z]!) lastA[z] = a
    buys[f] = bids.pos[b]!
    sells[f] = asks.pos[a]!
    volume += fills.q[f]!
  }
  const fee = (z: number) => grid.feePerWh[levelOfZone(net, z)] * 1000n
  const k = params.k ?? DEFAULT_K
  const zonePrice = Array.from({ length: zones }, (_, z) => {
    if (params.rule !== 'k-da' || lastB[z] === -1) return undefined
    const lo = orders[asks.pos[lastA[z]!]!]!.order.limitPrice
    const hi = orders[bids.pos[lastB[z]!]!]!.order.limitPrice - fee(z)
    return lo + ((hi - lo) * k.num) / k.den
  })
  const zone = fills.z.slice(0, n)
  const levels = Uint8Array.from(zonePrice, (_, z) => levelOfZone(net, z))
  return new GridFills(params, grid, orders, { buys, sells, q: fills.q.slice(0, n), zone, levels, zonePrice }, volume)
}

/** The grid fills; trade objects, with their bigint amounts and fees, are built only when read. */
class GridFills implements MatchResult {
  readonly interval: bigint
  readonly rule: ClearingRule
  readonly clearingPrice = undefined
  readonly volumeWh: bigint
  readonly feeRecipient: GridClearing['feeRecipient']
  #trades: Trade[] | undefined

  constructor(
    params: ClearingParams,
    private readonly grid: GridClearing,
    private readonly orders: readonly VerifiedOrder[],
    private readonly fills: {
      buys: Uint32Array
      sells: Uint32Array
      q: Float64Array
      zone: Uint32Array
      levels: Uint8Array
      zonePrice: (bigint | undefined)[]
    },
    volume: number,
  ) {
    this.interval = params.interval
    this.rule = params.rule
    this.volumeWh = BigInt(volume)
    this.feeRecipient = grid.feeRecipient
  }

  get trades(): readonly Trade[] {
    const { buys, sells, q, zone, levels, zonePrice } = this.fills
    this.#trades ??= Array.from(buys, (b, f) => {
      const buy = this.orders[b]!
      const sell = this.orders[sells[f]!]!
      const level = levels[zone[f]!]! as GridLevel
      const perWh = this.grid.feePerWh[level]
      const quantityWh = BigInt(q[f]!)
      const price = zonePrice[zone[f]!] ?? buy.order.limitPrice - perWh * 1000n
      return { ...tradeOf(buy, sell, quantityWh, price), level, fee: quantityWh * perWh }
    })
    return this.#trades
  }
}
