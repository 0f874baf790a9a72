import { GridletError } from '../errors.js'
import { Side, type VerifiedOrder } from '../order/types.js'
import { checkGrid, type GridClearing, type GridLevel } from './grid.js'
import { canonicalSide, tradeOf } from './match.js'
import type { BookArrays } from './selectBook.js'
import type { ClearingParams, MatchResult, Trade } from './types.js'

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
  const bids = sideOf(orders, canonicalSide(orders, book, Side.Buy), net, grid)
  const asks = sideOf(orders, canonicalSide(orders, book, Side.Sell), net, grid)
  const groups = askGroups(asks.loc, net.feeders + 1)
  const fills: Fill[] = []
  for (const level of LEVELS) matchLevel(level, bids, asks, groups, net, grid.feePerWh[level] * 1000n, fills)
  return result(orders, bids, asks, fills, params, grid)
}

/** The network as flat arrays: group `feeders` stands for every account off the network. */
interface Network {
  readonly feeders: number
  readonly transformerOf: readonly number[]
  /** Remaining headroom, Wh, per feeder and per transformer; Infinity where unlimited. */
  readonly feederImport: Float64Array
  readonly feederExport: Float64Array
  readonly trImport: Float64Array
  readonly trExport: Float64Array
}

function networkOf(grid: GridClearing): Network {
  const feeders = grid.transformerOf.length
  const transformers = Math.max(0, ...grid.transformerOf) + 1
  const limits = (n: number, given: GridClearing['limits'], kind: 'feeders' | 'transformers') => {
    const imp = new Float64Array(n).fill(Number.POSITIVE_INFINITY)
    const exp = new Float64Array(n).fill(Number.POSITIVE_INFINITY)
    given?.[kind]?.forEach((l, i) => {
      if (l === undefined) return
      imp[i] = Number(l.importWh)
      exp[i] = Number(l.exportWh)
    })
    return [imp, exp] as const
  }
  const [feederImport, feederExport] = limits(feeders, grid.limits, 'feeders')
  const [trImport, trExport] = limits(transformers, grid.limits, 'transformers')
  return { feeders, transformerOf: grid.transformerOf, feederImport, feederExport, trImport, trExport }
}

/** One side in canonical order: order-set positions, prices, remaining quantities and network locations. */
interface GridSide {
  readonly pos: Uint32Array
  readonly price: bigint[]
  readonly rem: Float64Array
  readonly loc: Uint32Array
}

function sideOf(orders: readonly VerifiedOrder[], pos: Uint32Array, net: Network, grid: GridClearing): GridSide {
  const loc = new Uint32Array(pos.length)
  const rem = new Float64Array(pos.length)
  const price: bigint[] = []
  pos.forEach((p, i) => {
    const { order } = orders[p]!
    const f = grid.feederOf(order.account)
    if (f !== undefined && !(Number.isInteger(f) && f >= 0 && f < net.feeders)) {
      throw new GridletError('invalid grid input for the clearing', {
        code: 'CLEARING_GRID',
        field: 'feederOf',
        details: `feeder ${f} of ${order.account} is not one of the ${net.feeders} feeders`,
      })
    }
    loc[i] = f ?? net.feeders
    rem[i] = Number(order.quantityWh)
    price.push(order.limitPrice)
  })
  return { pos, price, rem, loc }
}

/** Asks by location, each group in canonical order, with a head pointer past the exhausted ones. */
interface Groups {
  readonly start: Uint32Array
  readonly items: Uint32Array
  readonly head: Uint32Array
}

function askGroups(loc: Uint32Array, count: number): Groups {
  const start = new Uint32Array(count + 1)
  for (const g of loc) start[g + 1]!++
  for (let g = 0; g < count; g++) start[g + 1]! += start[g]!
  const fill = start.slice(0, count)
  const items = new Uint32Array(loc.length)
  loc.forEach((g, a) => {
    items[fill[g]!++] = a
  })
  return { start, items, head: start.slice(0, count) }
}

/** The level between two locations (`net.feeders` = off the network). */
function levelOf(net: Network, b: number, a: number): GridLevel {
  if (b === net.feeders || a === net.feeders) return 2
  if (b === a) return 0
  return net.transformerOf[b] === net.transformerOf[a] ? 1 : 2
}

/** How much more may flow into (`into`) or out of location g at this level: feeder head, then transformer. */
function headroom(net: Network, g: number, level: GridLevel, into: boolean): number {
  if (level === 0 || g === net.feeders) return Number.POSITIVE_INFINITY
  const f = into ? net.feederImport[g]! : net.feederExport[g]!
  if (level === 1) return f
  const t = net.transformerOf[g]!
  return Math.min(f, into ? net.trImport[t]! : net.trExport[t]!)
}

function consume(net: Network, g: number, level: GridLevel, into: boolean, q: number): void {
  if (level === 0 || g === net.feeders) return
  if (into) net.feederImport[g]! -= q
  else net.feederExport[g]! -= q
  if (level === 1) return
  const t = net.transformerOf[g]!
  if (into) net.trImport[t]! -= q
  else net.trExport[t]! -= q
}

interface Fill {
  readonly level: GridLevel
  /** Pricing zone: the feeder (level 0), the transformer (level 1), 0 (level 2). */
  readonly zone: number
  readonly b: number
  readonly a: number
  readonly q: number
}

function matchLevel(
  level: GridLevel,
  bids: GridSide,
  asks: GridSide,
  groups: Groups,
  net: Network,
  feePerKWh: bigint,
  fills: Fill[],
): void {
  const count = groups.head.length
  for (let b = 0; b < bids.pos.length; b++) {
    const gb = bids.loc[b]!
    const limit = bids.price[b]! - feePerKWh
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
      if (best === -1 || asks.price[best]! > limit) break
      const ga = asks.loc[best]!
      const q = Math.min(bids.rem[b]!, asks.rem[best]!, room, headroom(net, ga, level, false))
      bids.rem[b]! -= q
      asks.rem[best]! -= q
      consume(net, gb, level, true, q)
      consume(net, ga, level, false, q)
      const zone = level === 0 ? gb : level === 1 ? net.transformerOf[gb]! : 0
      fills.push({ level, zone, b, a: best, q })
    }
  }
}

function result(
  orders: readonly VerifiedOrder[],
  bids: GridSide,
  asks: GridSide,
  fills: readonly Fill[],
  params: ClearingParams,
  grid: GridClearing,
): MatchResult {
  const fee = (f: Fill) => grid.feePerWh[f.level] * 1000n
  // per zone: the highest matched ask and the lowest matched bid net of the fee
  const bounds = new Map<string, { lo: bigint; hi: bigint }>()
  for (const f of fills) {
    const key = `${f.level}:${f.zone}`
    const ask = asks.price[f.a]!
    const bid = bids.price[f.b]! - fee(f)
    const z = bounds.get(key)
    if (!z) bounds.set(key, { lo: ask, hi: bid })
    else {
      if (ask > z.lo) z.lo = ask
      if (bid < z.hi) z.hi = bid
    }
  }
  const k = params.k ?? DEFAULT_K
  let volume = 0
  const trades: Trade[] = fills.map((f) => {
    const buy = orders[bids.pos[f.b]!]!
    const sell = orders[asks.pos[f.a]!]!
    const z = bounds.get(`${f.level}:${f.zone}`)!
    const price = params.rule === 'k-da' ? z.lo + ((z.hi - z.lo) * k.num) / k.den : bids.price[f.b]! - fee(f)
    const quantityWh = BigInt(f.q)
    volume += f.q
    return { ...tradeOf(buy, sell, quantityWh, price), level: f.level, fee: quantityWh * grid.feePerWh[f.level] }
  })
  return {
    interval: params.interval,
    rule: params.rule,
    clearingPrice: undefined,
    volumeWh: BigInt(volume),
    trades,
    feeRecipient: grid.feeRecipient,
  }
}
