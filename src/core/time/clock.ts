import { GridletError } from '../errors.js'
/**
 * Time is injected: nothing in gridlet reads `Date.now()` directly. A clock answers "now" in unix milliseconds
 * and can wait until an instant, so a simulation can run a day in seconds and a test can step time by hand.
 */
export interface Clock {
  /** Current time, unix milliseconds. */
  now(): number
  /** Resolves when `now() >= atMs`; rejects with the signal's reason when aborted. */
  sleepUntil(atMs: number, signal?: AbortSignal): Promise<void>
}

/** Wall-clock time of this machine. */
export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    sleepUntil: (atMs, signal) =>
      sleepOnTimers(
        () => Date.now(),
        atMs,
        () => 1,
        signal,
      ),
  }
}

/**
 * A clock that runs `speed` times faster than real time from `startMs` on (speed 60: one minute a second).
 *
 * @example
 * const clock = acceleratedClock({ startMs: Date.UTC(2012, 6, 1), speed: 120 })
 */
export function acceleratedClock(opts: { startMs: number; speed: number; realNow?: () => number }): Clock {
  if (!(opts.speed > 0)) throw new GridletError('speed must be > 0', { code: 'CLOCK_SPEED', field: 'speed' })
  const realNow = opts.realNow ?? (() => performance.timeOrigin + performance.now())
  const realStart = realNow()
  const now = () => Math.floor(opts.startMs + (realNow() - realStart) * opts.speed)
  return { now, sleepUntil: (atMs, signal) => sleepOnTimers(now, atMs, () => opts.speed, signal) }
}

/**
 * Sleeps on real timers until `now() >= atMs`, for a clock that runs `speed()` times faster than real time (the
 * speed may change, as in a clock that fast-forwards and then runs at real time).
 */
export function sleepOnTimers(
  now: () => number,
  atMs: number,
  speed: () => number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    let timer: NodeJS.Timeout | undefined
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const tick = () => {
      const left = atMs - now()
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort)
        return resolve()
      }
      // Re-check after each timer: timers can fire early or late, and a simulated clock may be adjusted.
      timer = setTimeout(tick, Math.min(Math.ceil(left / speed()), 2 ** 31 - 1))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    tick()
  })
}

/** A clock that moves only when told to: for tests and the fast simulation. */
export interface ManualClock extends Clock {
  set(ms: number): void
  advance(ms: number): void
}

/**
 * Sleepers waiting for instants of a clock that something else moves (a manual clock, a shared simulated clock):
 * `sleepUntil` parks a promise, `wake(now)` resolves every one that is due.
 */
export function sleeperQueue(now: () => number) {
  const sleepers = new Set<{ at: number; resolve: () => void }>()
  return {
    wake(t = now()) {
      for (const s of sleepers) {
        if (s.at <= t) {
          sleepers.delete(s)
          s.resolve()
        }
      }
    },
    sleepUntil(atMs: number, signal?: AbortSignal): Promise<void> {
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (atMs <= now()) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const sleeper = {
          at: atMs,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        const onAbort = () => {
          sleepers.delete(sleeper)
          reject(signal?.reason)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        sleepers.add(sleeper)
      })
    },
  }
}

/**
 * @example
 * const clock = manualClock(0)
 * const woke = clock.sleepUntil(1000)
 * clock.advance(1000) // `woke` resolves
 */
export function manualClock(startMs = 0): ManualClock {
  let current = startMs
  const queue = sleeperQueue(() => current)
  return {
    now: () => current,
    set(ms) {
      current = ms
      queue.wake()
    },
    advance(ms) {
      current += ms
      queue.wake()
    },
    sleepUntil: queue.sleepUntil,
  }
}
