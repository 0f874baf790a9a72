import { type Clock, sleeperQueue } from '../../src/core/time/clock.js'

/**
 * Simulated time shared by the threads of a network run. Only the runner advances it: every few milliseconds it adds
 * the elapsed real time times the speed — but only while every node host shows a fresh heartbeat, and never past the
 * runner's barrier (see `run`). A host whose event loop is starved (a busy machine) therefore stops simulated time
 * instead of missing its gate closures and agreement windows: a loaded machine makes the run slower, not different.
 *
 * Layout of the shared buffer: BigInt64 [0] = simulated unix ms; Float64 [1 + w] = wall-clock ms of host w's last
 * heartbeat.
 */
export function sharedTimeBuffer(hosts: number): SharedArrayBuffer {
  return new SharedArrayBuffer(8 * (1 + hosts))
}

const wall = () => performance.timeOrigin + performance.now()
/** A host that has not beaten for this long (real ms) holds simulated time. */
const STALE_MS = 60
const TICK_MS = 5

/** The runner's side: starts at `startMs`, paused until `run(speed)`. */
export function timeController(buf: SharedArrayBuffer, hosts: number, startMs: number) {
  const now = new BigInt64Array(buf, 0, 1)
  const beats = new Float64Array(buf, 8, hosts)
  Atomics.store(now, 0, BigInt(startMs))
  let timer: NodeJS.Timeout | undefined
  let held = 0
  return {
    /**
     * Runs time at `speed` while every host beats, never past `limit()` (the runner's barrier: the instant the
     * network must not pass before it has caught up, e.g. a gate closure before every order has spread).
     */
    run(speed: number, limit: () => number = () => Number.POSITIVE_INFINITY) {
      let last = wall()
      timer = setInterval(() => {
        const t = wall()
        const fresh = beats.every((b) => t - b < STALE_MS)
        const cur = Number(Atomics.load(now, 0))
        // Advance by at most a few ticks at once, so a stalled runner does not make time jump.
        const next = Math.min(cur + Math.round(Math.min(t - last, 4 * TICK_MS) * speed), limit())
        if (fresh && next > cur) Atomics.store(now, 0, BigInt(next))
        else held += t - last
        last = t
      }, TICK_MS)
    },
    now: () => Number(Atomics.load(now, 0)),
    /** Real milliseconds time was held because some host was not responsive. */
    heldMs: () => held,
    stop: () => clearInterval(timer),
  }
}

/** A host's side: its clock, and its heartbeat (call `stop` when done). */
export function sharedClock(buf: SharedArrayBuffer, host: number): Clock & { stop(): void } {
  const nowArr = new BigInt64Array(buf, 0, 1)
  const beats = new Float64Array(buf, 8)
  const now = () => Number(Atomics.load(nowArr, 0))
  const queue = sleeperQueue(now)
  beats[host] = wall()
  // One timer per thread wakes every sleeper that is due, and beats the heartbeat.
  const timer = setInterval(() => {
    beats[host] = wall()
    queue.wake()
  }, TICK_MS)
  return {
    now,
    sleepUntil: queue.sleepUntil,
    stop: () => clearInterval(timer),
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
