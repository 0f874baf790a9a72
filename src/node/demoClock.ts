import { acceleratedClock, type Clock } from '../core/time/clock.js'

/**
 * A fast clock for demos that several processes agree on without talking: simulated time runs `speed` times
 * faster than real time from a shared epoch (UTC midnight of the day by default), so nodes started at different
 * moments still read the same time. Never for real money: orders would be signed for intervals far in the future.
 *
 * @example
 * const clock = demoClock(60) // a simulated day every 24 minutes
 */
export function demoClock(speed: number, epochMs = Math.floor(Date.now() / 86_400_000) * 86_400_000): Clock {
  const realNow = () => performance.timeOrigin + performance.now()
  return acceleratedClock({ startMs: epochMs + (realNow() - epochMs) * speed, speed, realNow })
}
