import type { Quantiles } from '../forecast/types.js'
import type { Side } from '../order/types.js'

/**
 * An order the strategy wants for one interval; the node fills in market, account, nonce, expiry and signs it.
 * A strategy may return several intents for the same interval (a bid curve: `forecast-aware` cuts its position
 * into up to 11 slices at different limit prices, plus a battery's offers), so the node must give each intent its own nonce - two orders
 * with the same (account, interval, nonce) are equivocation and drop every order of that slot.
 */
export interface OrderIntent {
  readonly interval: bigint
  readonly side: Side
  /** Whole Wh, >= 1. */
  readonly quantityWh: bigint
  /** Token units per kWh, >= 1. */
  readonly limitPrice: bigint
}

/** Grid prices of one interval, token units per kWh: what importing costs and what exporting earns. */
export interface Tariff {
  readonly retailPrice: bigint
  readonly feedInPrice: bigint
}

/** A home battery. Energy in Wh; `efficiency` is round-trip, charged in full on the way in. */
export interface BatterySpec {
  readonly capacityWh: number
  readonly powerW: number
  /** Round-trip efficiency in (0, 1]. */
  readonly efficiency: number
}

export interface BatteryState extends BatterySpec {
  /** State of charge, Wh in 0..capacityWh. */
  readonly socWh: number
}

/** What a strategy sees when it plans the upcoming intervals. Arrays are per interval from `firstInterval`. */
export interface StrategyContext {
  readonly firstInterval: bigint
  readonly intervalS: number
  /** Load forecast, Wh per interval. */
  readonly load: Quantiles
  /** PV forecast, Wh per interval; absent for a home without PV. */
  readonly pv?: Quantiles
  readonly tariffs: readonly Tariff[]
  readonly battery?: BatteryState
  /**
   * The price the household expects the market to clear at per interval (token units per kWh), e.g. from past
   * clearing results (see PriceMemory), for strategies that want it. The built-in ones do not: `forecast-aware`
   * bids its whole marginal-value curve and lets the market find the price.
   */
  readonly expectedPrice?: readonly bigint[]
}

/** A bidding strategy: a deterministic plug-in from context to order intents. */
export interface Strategy {
  readonly name: string
  plan(ctx: StrategyContext): OrderIntent[]
}
