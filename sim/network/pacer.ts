import { gateClosureMs, type MarketTime } from '../../src/core/time/interval.js'
import type { Community } from '../households/assemble.js'
import type { HostInit } from './protocol.js'

/**
 * Where simulated time must wait for the network: before interval k's gate closure until every household has
 * decided and every node holds every published order of k; before k's decision deadline until every node has
 * concluded k. A barrier held longer than `maxHoldMs` of real time is released (a node that never catches up must
 * not stall the run; it then shows as a disagreement).
 */
export function pacer(
  c: Community,
  hosts: number,
  time: MarketTime,
  timing: HostInit['timing'],
  guardMs: number,
  maxHoldMs: number,
) {
  const decided = new Int32Array(c.T)
  const published = new Int32Array(c.T)
  const minHeld = Array.from({ length: hosts }, () => new Int32Array(c.T))
  let barrier = { at: Number.NaN, since: 0 }
  let released = 0
  const decideAt = (k: number) =>
    gateClosureMs(time, c.firstInterval + k) +
    time.maxSkewS * 1000 +
    timing.digestDelayMs +
    timing.digestWindowMs +
    timing.resultWindowMs
  const ordersIn = (k: number) =>
    decided[k] === c.n && minHeld.every((m) => (m[k] as number) >= (published[k] as number))
  let k1 = 0
  let k2 = 0
  return {
    decided(k: number, count: number) {
      decided[k] = (decided[k] as number) + 1
      published[k] = (published[k] as number) + count
    },
    orders(host: number, k: number, min: number) {
      if (k >= 0 && k < c.T) (minHeld[host] as Int32Array)[k] = min
    },
    limit(now: number, results: readonly (readonly unknown[])[]): number {
      while (k1 < c.T && ordersIn(k1)) k1++
      while (k2 < c.T && (results[k2]?.length ?? 0) >= c.n) k2++
      const at = Math.min(
        k1 < c.T ? gateClosureMs(time, c.firstInterval + k1) - guardMs : Number.POSITIVE_INFINITY,
        k2 < c.T ? decideAt(k2) - guardMs : Number.POSITIVE_INFINITY,
      )
      if (now < at) return at
      const t = performance.now()
      if (at !== barrier.at) barrier = { at, since: t }
      if (t - barrier.since < maxHoldMs) return at
      released++
      if (at === gateClosureMs(time, c.firstInterval + k1) - guardMs) k1++
      else k2++
      return Number.POSITIVE_INFINITY
    },
    released: () => released,
  }
}
