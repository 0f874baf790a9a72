import { formatScaled, whToKwh } from './formatUnits.js'
import type { GatewayState } from './gatewayState.js'

/** How money is shown: the token's symbol (Home Assistant unit) and decimals. */
export interface TokenUnit {
  readonly symbol: string
  readonly decimals: number
}

/**
 * One published sensor, as data: its state topic level, how Home Assistant should classify it, and how its state
 * (and optional JSON attributes) are read from the gateway state. `undefined` state: nothing to publish yet.
 */
export interface SensorSpec {
  /** Topic level and Home Assistant object_id. */
  readonly key: string
  readonly name: string
  readonly deviceClass?: 'power' | 'energy' | 'monetary' | 'enum'
  readonly stateClass?: 'measurement' | 'total' | 'total_increasing'
  readonly unit?: string
  readonly precision?: number
  readonly icon?: string
  readonly diagnostic?: boolean
  readonly options?: readonly string[]
  /** Its value comes from the meter: HA marks it unavailable after `expireAfterS` without updates. */
  readonly fromMeter?: boolean
  readonly state: (s: GatewayState) => string | undefined
  readonly attributes?: (s: GatewayState) => Record<string, unknown> | undefined
}

/** At most this many orders and trades go into the JSON attributes (a message has to stay small). */
export const MAX_LISTED = 24

const HEALTH = ['ok', 'degraded', 'down'] as const

/** Price per kWh in whole tokens, as exact text. */
const money = (v: bigint, t: TokenUnit) => formatScaled(v, t.decimals)
const startOf = (interval: number, s: GatewayState) => new Date(interval * s.intervalS * 1000).toISOString()

/**
 * The sensors a gridlet gateway publishes. Import and export energy are the meter's counters in kWh with
 * `total_increasing`: exactly what Home Assistant's Energy dashboard takes as grid consumption and return to grid.
 *
 * @example
 * for (const spec of gatewaySensors({ symbol: 'gEUR', decimals: 6 })) console.log(spec.key, spec.state(state))
 */
export function gatewaySensors(token: TokenUnit): readonly SensorSpec[] {
  return [
    {
      key: 'power',
      name: 'Grid power',
      deviceClass: 'power',
      stateClass: 'measurement',
      unit: 'W',
      fromMeter: true,
      state: (s) => (s.reading ? String(Math.round(s.reading.powerW)) : undefined),
    },
    {
      key: 'energy_import',
      name: 'Grid import',
      deviceClass: 'energy',
      stateClass: 'total_increasing',
      unit: 'kWh',
      precision: 3,
      fromMeter: true,
      state: (s) => (s.reading ? whToKwh(s.reading.importWh) : undefined),
    },
    {
      key: 'energy_export',
      name: 'Grid export',
      deviceClass: 'energy',
      stateClass: 'total_increasing',
      unit: 'kWh',
      precision: 3,
      fromMeter: true,
      state: (s) => (s.reading ? whToKwh(s.reading.exportWh) : undefined),
    },
    {
      // A forecast is neither a measurement nor a total: no state class, so HA keeps no statistics of it.
      key: 'forecast_net',
      name: 'Forecast net energy',
      deviceClass: 'energy',
      unit: 'kWh',
      precision: 3,
      icon: 'mdi:crystal-ball',
      state: (s) => (s.forecast ? whToKwh(s.forecast.netWh) : undefined),
      attributes: (s) =>
        s.forecast ? { interval: s.forecast.interval, interval_start: startOf(s.forecast.interval, s) } : undefined,
    },
    {
      key: 'clearing_price',
      name: 'Clearing price',
      stateClass: 'measurement',
      unit: `${token.symbol}/kWh`,
      precision: Math.min(token.decimals, 4),
      icon: 'mdi:scale-balance',
      state: (s) => (s.clearing?.price === undefined ? undefined : money(s.clearing.price, token)),
      attributes: (s) =>
        s.clearing
          ? {
              interval: s.clearing.interval,
              interval_start: startOf(s.clearing.interval, s),
              volume_kwh: whToKwh(s.clearing.volumeWh),
            }
          : undefined,
    },
    {
      key: 'orders',
      name: 'Open orders',
      icon: 'mdi:format-list-bulleted',
      state: (s) => String(s.orders.filter((o) => o.state === 'open' || o.state === 'stored').length),
      attributes: (s) => ({
        orders: s.orders.slice(0, MAX_LISTED).map((o) => ({
          interval_start: startOf(o.interval, s),
          side: o.side,
          quantity_kwh: whToKwh(o.quantityWh),
          limit_price: money(o.limitPrice, token),
          filled_kwh: whToKwh(o.filledWh),
          state: o.state,
        })),
      }),
    },
    {
      key: 'trades',
      name: 'Trades',
      icon: 'mdi:swap-horizontal',
      state: (s) => String(s.trades.length),
      attributes: (s) => ({
        trades: s.trades.slice(0, MAX_LISTED).map((t) => ({
          interval_start: startOf(t.interval, s),
          side: t.side,
          quantity_kwh: whToKwh(t.quantityWh),
          price: money(t.price, token),
          amount: money(t.amount, token),
          status: t.status,
        })),
      }),
    },
    {
      // HA allows only state class `total` (or none) for monetary sensors: earnings can go down (purchases).
      key: 'earnings',
      name: 'Market earnings',
      deviceClass: 'monetary',
      stateClass: 'total',
      unit: token.symbol,
      precision: Math.min(token.decimals, 2),
      state: (s) => money(s.earnings, token),
    },
    {
      key: 'health',
      name: 'Health',
      deviceClass: 'enum',
      options: HEALTH,
      diagnostic: true,
      icon: 'mdi:heart-pulse',
      state: (s) => s.health.status,
      attributes: (s) => ({ ...s.health.checks }),
    },
    {
      key: 'peers',
      name: 'Market peers',
      stateClass: 'measurement',
      diagnostic: true,
      icon: 'mdi:lan-connect',
      state: (s) => String(s.peers),
    },
  ]
}
