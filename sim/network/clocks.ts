import { acceleratedClock, type Clock } from '../../src/core/time/clock.js'

/**
 * A clock that stands still at `startMs` until `go` is called, then runs `speed` times real time from `startMs` at
 * the wall-clock instant `realStartMs`. Every thread that calls `go` with the same arguments reads the same time,
 * so nodes in different worker threads share one simulated clock.
 */
export function startableClock(startMs: number): Clock & { go(realStartMs: number, speed: number): void } {
  let base: Clock | undefined
  let started: () => void = () => {}
  const ready = new Promise<void>((r) => {
    started = r
  })
  const wall = () => performance.timeOrigin + performance.now()
  return {
    now: () => (base ? base.now() : startMs),
    async sleepUntil(atMs, signal) {
      if (!base && atMs <= startMs) return
      await ready
      return base?.sleepUntil(atMs, signal)
    },
    go(realStartMs, speed) {
      base = acceleratedClock({ startMs: startMs + (wall() - realStartMs) * speed, speed, realNow: wall })
      started()
    },
  }
}

/**
 * The clock a simulated meter sees: time floored to the interval grid, so its energy registers step once per
 * interval (as many meters update them) and any read inside interval k returns the counters at k's start, to the Wh.
 */
export function steppedClock(base: Clock, intervalMs: number): Clock {
  return {
    now: () => Math.floor(base.now() / intervalMs) * intervalMs,
    sleepUntil: (atMs, signal) => base.sleepUntil(atMs, signal),
  }
}
