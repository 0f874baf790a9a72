import { GridletError } from '../core/errors.js'

/**
 * A token bucket per key (a household account): `burst` messages at once, refilled at `perMs` tokens per
 * millisecond of the injected clock. Keys idle long enough to be full again are forgotten, so memory stays
 * bounded by the number of active senders.
 *
 * @example
 * const limiter = rateLimiter({ burst: 8, perMs: 8 / 900_000 })
 * if (!limiter.take(account, clock.now())) ... // over the limit
 */
export interface RateLimiter {
  /** Takes one token for `key` at `nowMs`; false when the bucket is empty. */
  take(key: string, nowMs: number): boolean
  /** Whether `take` would succeed, without taking (validators judge; handlers take). */
  has(key: string, nowMs: number): boolean
  readonly size: number
}

export function rateLimiter(opts: { burst: number; perMs: number }): RateLimiter {
  if (!(opts.burst >= 1) || !(opts.perMs > 0)) {
    throw new GridletError('invalid rate limit', {
      code: 'P2P_RATE_LIMIT',
      field: opts.burst >= 1 ? 'perMs' : 'burst',
      details: 'burst must be >= 1 and perMs > 0',
    })
  }
  const buckets = new Map<string, { tokens: number; at: number }>()
  const fullAfterMs = opts.burst / opts.perMs
  let lastSweep = Number.NEGATIVE_INFINITY
  const tokens = (key: string, nowMs: number) => {
    const b = buckets.get(key)
    return b ? Math.min(opts.burst, b.tokens + Math.max(0, nowMs - b.at) * opts.perMs) : opts.burst
  }
  return {
    has: (key, nowMs) => tokens(key, nowMs) >= 1,
    take(key, nowMs) {
      if (nowMs - lastSweep > fullAfterMs) {
        for (const [k, b] of buckets) if (nowMs - b.at > fullAfterMs) buckets.delete(k)
        lastSweep = nowMs
      }
      const b = buckets.get(key) ?? { tokens: opts.burst, at: nowMs }
      b.tokens = Math.min(opts.burst, b.tokens + Math.max(0, nowMs - b.at) * opts.perMs)
      b.at = nowMs
      buckets.set(key, b)
      if (b.tokens < 1) return false
      b.tokens -= 1
      return true
    },
    get size() {
      return buckets.size
    },
  }
}
