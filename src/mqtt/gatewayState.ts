/**
 * The narrow port the MQTT publisher reads: what a household gateway shows, as plain data. The node adapts its
 * own state to this (src/node), so the publisher never depends on the node's internals. Energy in integer Wh,
 * money in integer token units (bigint), times in unix ms.
 */
export interface GatewayState {
  /** Overall health and the named checks behind it (the same as the HTTP /health answer). */
  readonly health: { readonly status: 'ok' | 'degraded' | 'down'; readonly checks: Readonly<Record<string, string>> }
  /** Connected market peers. */
  readonly peers: number
  /** Market interval length, seconds (interval k starts at k * intervalS * 1000 ms). */
  readonly intervalS: number
  /** The last meter reading; energy counters are the meter's cumulative registers. */
  readonly reading: GatewayReading | null
  /** Forecast net energy of the interval being traded (production - consumption; positive: a surplus). */
  readonly forecast: { readonly interval: number; readonly netWh: number } | null
  /** The latest cleared interval of the market. `price` is undefined when nothing traded or the rule has none. */
  readonly clearing: { readonly interval: number; readonly price: bigint | undefined; readonly volumeWh: bigint } | null
  /** Own recent orders, newest first. */
  readonly orders: readonly GatewayOrder[]
  /** Own recent trades, newest first. */
  readonly trades: readonly GatewayTrade[]
  /** Total net earnings: sales minus purchases, token units. */
  readonly earnings: bigint
}

export interface GatewayReading {
  readonly ts: number
  /** Net active power in W: positive = importing from the grid, negative = exporting. */
  readonly powerW: number
  readonly importWh: number
  readonly exportWh: number
}

export interface GatewayOrder {
  readonly interval: number
  readonly side: 'buy' | 'sell'
  readonly quantityWh: bigint
  /** Token units per kWh. */
  readonly limitPrice: bigint
  readonly filledWh: bigint
  /** stored | open | traded | unmatched */
  readonly state: string
}

export interface GatewayTrade {
  readonly interval: number
  readonly side: 'buy' | 'sell'
  readonly quantityWh: bigint
  /** Token units per kWh. */
  readonly price: bigint
  /** Token units; positive when selling, negative when buying. */
  readonly amount: bigint
  readonly status: string
}

/** Reads the current state; called on every publication. May throw: the publisher counts it and tries later. */
export type GatewayStateSource = () => GatewayState
