import type { Address, Hex } from 'viem'
import { type OrderBounds, ordersFor } from '../core/order/orderPolicy.js'
import { type Order, Side } from '../core/order/types.js'
import type { Tariff } from '../core/strategy/types.js'
import type { ForecastHistory, IntervalForecast } from './intervalForecast.js'
import { forecastInterval } from './intervalForecast.js'
import type { Decider } from './ports.js'

/**
 * The order bounds a node holds its decisions to. Price bounds left out follow the interval's tariff: never sell
 * below its feed-in price, never buy above its retail price (a time-of-use tariff moves them interval by interval).
 */
export type DecisionBounds = Omit<OrderBounds, 'minSellPrice' | 'maxBuyPrice'> &
  Partial<Pick<OrderBounds, 'minSellPrice' | 'maxBuyPrice'>>

export interface DecisionInput {
  readonly interval: number
  readonly lengthS: number
  /** The utility tariff of this interval (`tariffAt` of the node's schedule at its start). */
  readonly tariff: Tariff
  /** Most recent clearing price of this market, if any. */
  readonly lastClearingPrice?: bigint
  /** A reading is fresh enough to know the energy to sell is there. */
  readonly meterFresh: boolean
  readonly history: ForecastHistory
  readonly bounds: DecisionBounds
  readonly market: Hex
  readonly account: Address
}

export interface Decision {
  readonly forecast: IntervalForecast
  /** Unsigned orders, nonces 0..n-1 (the core order policy: clamped, merged, with expiry). */
  readonly orders: readonly Order[]
  /** Sell intents withheld because the meter is stale. */
  readonly suppressedSells: number
}

/**
 * The node's decision for one interval: forecast it, ask the core strategy for intents, withhold sells the meter
 * cannot vouch for, and turn the rest into orders with the core order policy (the same one fast mode uses), held to
 * the interval's tariff.
 *
 * @example
 * const { orders } = decideInterval(decider, { interval: k, lengthS: 900, tariff: { retailPrice: 300_000n, feedInPrice: 80_000n }, ... })
 */
export function decideInterval(d: Decider, i: DecisionInput): Decision {
  const forecast = forecastInterval(d, i.interval, i.lengthS, i.history)
  const planned = d.strategy.plan({
    firstInterval: BigInt(i.interval),
    intervalS: i.lengthS,
    load: forecast.load,
    pv: forecast.pv,
    tariffs: [i.tariff],
    ...(i.lastClearingPrice === undefined ? {} : { expectedPrice: [i.lastClearingPrice] }),
  })
  // Without a fresh reading we cannot know the energy is there: offer none.
  const intents = i.meterFresh ? planned : planned.filter((x) => x.side !== Side.Sell)
  const bounds: OrderBounds = {
    ...i.bounds,
    minSellPrice: i.bounds.minSellPrice ?? i.tariff.feedInPrice,
    maxBuyPrice: i.bounds.maxBuyPrice ?? i.tariff.retailPrice,
  }
  const orders = ordersFor(intents, BigInt(i.interval), bounds, {
    market: i.market,
    account: i.account,
    intervalS: i.lengthS,
  })
  return { forecast, orders, suppressedSells: planned.length - intents.length }
}
