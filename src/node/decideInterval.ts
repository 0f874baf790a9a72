import type { Address, Hex } from 'viem'
import { type OrderBounds, ordersFor } from '../core/order/orderPolicy.js'
import { type Order, Side } from '../core/order/types.js'
import type { ForecastHistory, IntervalForecast } from './intervalForecast.js'
import { forecastInterval } from './intervalForecast.js'
import type { Decider } from './ports.js'

export interface DecisionInput {
  readonly interval: number
  readonly lengthS: number
  readonly retailPrice: bigint
  readonly feedInPrice: bigint
  /** Most recent clearing price of this market, if any. */
  readonly lastClearingPrice?: bigint
  /** A reading is fresh enough to know the energy to sell is there. */
  readonly meterFresh: boolean
  readonly history: ForecastHistory
  readonly bounds: OrderBounds
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
 * cannot vouch for, and turn the rest into orders with the core order policy (the same one fast mode uses).
 *
 * @example
 * const { orders } = decideInterval(decider, { interval: k, lengthS: 900, ... })
 */
export function decideInterval(d: Decider, i: DecisionInput): Decision {
  const forecast = forecastInterval(d, i.interval, i.lengthS, i.history)
  const planned = d.strategy.plan({
    firstInterval: BigInt(i.interval),
    intervalS: i.lengthS,
    load: forecast.load,
    pv: forecast.pv,
    tariffs: [{ retailPrice: i.retailPrice, feedInPrice: i.feedInPrice }],
    ...(i.lastClearingPrice === undefined ? {} : { expectedPrice: [i.lastClearingPrice] }),
  })
  // Without a fresh reading we cannot know the energy is there: offer none.
  const intents = i.meterFresh ? planned : planned.filter((x) => x.side !== Side.Sell)
  const orders = ordersFor(intents, BigInt(i.interval), i.bounds, {
    market: i.market,
    account: i.account,
    intervalS: i.lengthS,
  })
  return { forecast, orders, suppressedSells: planned.length - intents.length }
}
