import { GridletError } from '../errors.js'

/**
 * Market time. Interval `k` covers unix seconds `[k * lengthS, (k + 1) * lengthS)`, aligned to UTC. Orders for
 * interval `k` are accepted until gate closure, `start(k) - gateClosureS`; then the interval is frozen and cleared.
 */
export interface MarketTime {
  /** Interval length in seconds; divides a day, 60..3600. Default 900. */
  readonly lengthS: number
  /** Seconds before an interval's start when its order book closes. Default 60. */
  readonly gateClosureS: number
  /** How far a peer's clock may be off; messages within this bound of a boundary are treated as on time. */
  readonly maxSkewS: number
}

export const DEFAULT_MARKET_TIME: MarketTime = { lengthS: 900, gateClosureS: 60, maxSkewS: 5 }

const DAY_S = 86_400

/**
 * Validates market time settings; errors name the field.
 *
 * @example
 * const time = marketTime({ lengthS: 1800 }) // 30-minute intervals, closure 60 s before start
 */
export function marketTime(init: Partial<MarketTime> = {}): MarketTime {
  const t = { ...DEFAULT_MARKET_TIME, ...init }
  if (!Number.isInteger(t.lengthS) || t.lengthS < 60 || t.lengthS > 3600 || DAY_S % t.lengthS !== 0) {
    throw new GridletError('interval length must divide a day and lie in 60..3600 s', {
      code: 'CONFIG_INTERVAL_LENGTH',
      field: 'lengthS',
      details: `got ${t.lengthS}`,
    })
  }
  if (!Number.isInteger(t.gateClosureS) || t.gateClosureS < 0 || t.gateClosureS >= DAY_S) {
    throw new GridletError('gate closure must be a whole number of seconds >= 0', {
      code: 'CONFIG_GATE_CLOSURE',
      field: 'gateClosureS',
      details: `got ${t.gateClosureS}`,
    })
  }
  if (!Number.isInteger(t.maxSkewS) || t.maxSkewS < 0 || t.maxSkewS > t.lengthS) {
    throw new GridletError('clock skew bound must be 0..lengthS seconds', {
      code: 'CONFIG_MAX_SKEW',
      field: 'maxSkewS',
      details: `got ${t.maxSkewS}`,
    })
  }
  return Object.freeze(t)
}

/** The interval that contains `unixMs`. */
export function intervalAt(t: MarketTime, unixMs: number): number {
  return Math.floor(Math.floor(unixMs / 1000) / t.lengthS)
}

/** Start of interval `k`, unix milliseconds. */
export function intervalStartMs(t: MarketTime, k: number): number {
  return k * t.lengthS * 1000
}

/** Gate closure of interval `k`, unix milliseconds: the last instant an order for `k` is accepted. */
export function gateClosureMs(t: MarketTime, k: number): number {
  return intervalStartMs(t, k) - t.gateClosureS * 1000
}

/** Phase of interval `k` at `nowMs` as seen by this node. */
export type IntervalPhase = 'open' | 'closed'

/** Orders for `k` are accepted while `now <= closure` (exactly at closure counts as on time). */
export function phaseAt(t: MarketTime, k: number, nowMs: number): IntervalPhase {
  return nowMs <= gateClosureMs(t, k) ? 'open' : 'closed'
}

/**
 * Whether a message for interval `k` that reaches us at `nowMs` is on time, allowing for the skew bound: a peer
 * whose clock is up to `maxSkewS` behind ours may still send at its own closure.
 */
export function acceptsOrdersAt(t: MarketTime, k: number, nowMs: number): boolean {
  return nowMs <= gateClosureMs(t, k) + t.maxSkewS * 1000
}

/** The first interval still open for orders at `nowMs`. */
export function nextOpenInterval(t: MarketTime, nowMs: number): number {
  let k = intervalAt(t, nowMs)
  while (phaseAt(t, k, nowMs) === 'closed') k++
  return k
}
