import type { Address, Hex } from 'viem'
import type { OrderIntent } from '../strategy/types.js'
import { type Order, Side } from './types.js'

/** How long after its interval ends an order may still be settled on chain: a week (an outage of the chain RPC). */
export const SETTLEMENT_WINDOW_S = 7n * 86_400n

/**
 * What every household's intents are held to before they are signed, in the node and in fast-mode simulation alike:
 * quantity bounds, price bounds (never sell below `minSellPrice`, never buy above `maxBuyPrice`) and the market's
 * nonces per interval.
 */
export interface OrderBounds {
  readonly minQuantityWh: bigint
  readonly maxQuantityWh: bigint
  /** Token units per kWh. */
  readonly minSellPrice: bigint
  readonly maxBuyPrice: bigint
  /** Orders per interval the market accepts (nonces 0..n-1). */
  readonly maxOrders: number
}

/** The node config's defaults (strategy.minQuantityWh, maxQuantityWh, market.maxOrdersPerInterval). */
export const DEFAULT_ORDER_LIMITS = { minQuantityWh: 10n, maxQuantityWh: 20_000n, maxOrders: 16 } as const

/**
 * Clamps intents to the bounds: quantities above the maximum are cut to it, limits beyond the price bounds are
 * moved onto them, and intents that are then too small (or priced at zero) are dropped.
 *
 * @example
 * clampIntents(intents, { minQuantityWh: 10n, maxQuantityWh: 20_000n, minSellPrice: 80_000n, maxBuyPrice: 300_000n, maxOrders: 16 })
 */
export function clampIntents(intents: readonly OrderIntent[], b: OrderBounds): OrderIntent[] {
  const out: OrderIntent[] = []
  for (const i of intents) {
    // biome-ignore lint/complexity/useMathMinMax: bigints (Math.min takes numbers)
    const quantityWh = i.quantityWh > b.maxQuantityWh ? b.maxQuantityWh : i.quantityWh
    let limitPrice = i.limitPrice
    if (i.side === Side.Sell && limitPrice < b.minSellPrice) limitPrice = b.minSellPrice
    if (i.side === Side.Buy && limitPrice > b.maxBuyPrice) limitPrice = b.maxBuyPrice
    if (quantityWh >= b.minQuantityWh && limitPrice > 0n) out.push({ ...i, quantityWh, limitPrice })
  }
  return out
}

const byLimit = (a: OrderIntent, b: OrderIntent) =>
  a.limitPrice < b.limitPrice ? -1 : a.limitPrice > b.limitPrice ? 1 : 0

/**
 * At most `max` orders from one interval's bid curve: slices of one side sorted by price, neighbours merged into one
 * order with their summed quantity at the bucket's most cautious limit (a buyer's lowest, a seller's highest), so no
 * energy is ever traded at a price the household's own curve would refuse. A curve within `max` is kept as it is.
 *
 * @example
 * mergeCurve(thirteenSlices, 4).length // 4
 */
export function mergeCurve(intents: readonly OrderIntent[], max: number): OrderIntent[] {
  if (intents.length <= max) return [...intents]
  const buys = intents.filter((i) => i.side === Side.Buy).sort(byLimit)
  const sells = intents.filter((i) => i.side === Side.Sell).sort(byLimit)
  // Each side present keeps at least one order: merging must never drop a side's energy.
  const buyShare =
    buys.length === 0
      ? 0
      : sells.length === 0
        ? max
        : Math.min(max - 1, Math.max(1, Math.round((max * buys.length) / intents.length)))
  return [...bucket(buys, buyShare, Side.Buy), ...bucket(sells, max - buyShare, Side.Sell)]
}

function bucket(xs: readonly OrderIntent[], n: number, side: Side): OrderIntent[] {
  if (xs.length === 0 || n === 0) return []
  const size = Math.ceil(xs.length / n)
  const out: OrderIntent[] = []
  for (let i = 0; i < xs.length; i += size) {
    const group = xs.slice(i, i + size)
    const quantityWh = group.reduce((s, g) => s + g.quantityWh, 0n)
    // Sorted ascending: a buy bucket's lowest limit is its first, a sell bucket's highest its last.
    const limitPrice = side === Side.Buy ? group[0]!.limitPrice : group.at(-1)!.limitPrice
    out.push({ interval: group[0]!.interval, side, quantityWh, limitPrice })
  }
  return out
}

/** Who signs and for which market: the fields of an order the intent does not carry. */
export interface OrderSlot {
  readonly market: Hex
  readonly account: Address
  /** Interval length, s: an order expires `SETTLEMENT_WINDOW_S` after its interval ends. */
  readonly intervalS: number
}

/**
 * One interval's orders from its intents: clamped, merged down to the market's nonces, each intent's nonce its
 * place in the result (a bid curve has several), expiring a settlement window after the interval ends. Intents for
 * other intervals are ignored.
 *
 * @example
 * const orders = ordersFor(intents, 1_500_000n, bounds, { market, account, intervalS: 900 })
 */
export function ordersFor(
  intents: readonly OrderIntent[],
  interval: bigint,
  bounds: OrderBounds,
  slot: OrderSlot,
): Order[] {
  const mine = intents.filter((i) => i.interval === interval)
  const expiry = (interval + 1n) * BigInt(slot.intervalS) + SETTLEMENT_WINDOW_S
  return mergeCurve(clampIntents(mine, bounds), bounds.maxOrders).map((i, nonce) => ({
    market: slot.market,
    interval,
    side: i.side,
    quantityWh: i.quantityWh,
    limitPrice: i.limitPrice,
    account: slot.account,
    nonce: BigInt(nonce),
    expiry,
  }))
}
