import { GridletError } from '../errors.js'
import type { Tariff } from './types.js'

/**
 * One band of a time-of-use price: `price` from `from` (inclusive) to `to` (exclusive), 'HH:MM' of the households'
 * civil day ('24:00' ends the day).
 */
export interface PriceBand<P = bigint> {
  readonly from: string
  readonly to: string
  readonly price: P
}

/** A utility price: flat, or time-of-use bands that cover the day. */
export type DayPrice = bigint | readonly PriceBand[]

/** The utility tariff a household decides with: retail and feed-in price, each flat or by time of day. */
export interface TariffSchedule {
  readonly retailPrice: DayPrice
  readonly feedInPrice: DayPrice
  /** Offset of the civil day the bands are written in from UTC, ms (default 0). */
  readonly utcOffsetMs?: number
}

const DAY_MS = 86_400_000

/** Minutes since midnight of an 'HH:MM' time ('24:00' is 1440). */
export const minuteOfDay = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/**
 * The price of the band that holds instant `atMs` (unix ms) in civil time `utcOffsetMs` ahead of UTC, or undefined
 * when the bands leave it out. The first band that holds it wins.
 *
 * @example
 * bandPriceAt([{ from: '00:00', to: '07:00', price: 150 }, { from: '07:00', to: '24:00', price: 250 }], 0, 36e6) // 250
 */
export function bandPriceAt<P>(bands: readonly PriceBand<P>[], atMs: number, utcOffsetMs: number): P | undefined {
  const minute = Math.floor(((((atMs + utcOffsetMs) % DAY_MS) + DAY_MS) % DAY_MS) / 60_000)
  return bands.find((b) => minute >= minuteOfDay(b.from) && minute < minuteOfDay(b.to))?.price
}

/**
 * The tariff in force at `atMs` (an interval's start): the node decides and clamps each interval's orders with it,
 * and fast-mode simulation prices each interval with it.
 *
 * @example
 * tariffAt({ retailPrice: [{ from: '00:00', to: '24:00', price: 300_000n }], feedInPrice: 80_000n }, Date.UTC(2026, 0, 1))
 */
export function tariffAt(s: TariffSchedule, atMs: number): Tariff {
  const at = (p: DayPrice, field: string): bigint => {
    if (typeof p === 'bigint') return p
    const price = bandPriceAt(p, atMs, s.utcOffsetMs ?? 0)
    if (price === undefined) {
      throw new GridletError('the time-of-use bands leave a gap', {
        code: 'TARIFF_GAP',
        field,
        details: new Date(atMs).toISOString(),
      })
    }
    return price
  }
  return { retailPrice: at(s.retailPrice, 'retailPrice'), feedInPrice: at(s.feedInPrice, 'feedInPrice') }
}
