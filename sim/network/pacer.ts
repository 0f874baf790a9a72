import { gateClosureMs, type MarketTime } from '../../src/core/time/interval.js'
import type { Community } from '../households/assemble.js'
import type { HostInit } from './protocol.js'

/**
 * Where simulated time must wait for the network, per interval k, so that no node falls behind the protocol's
 * windows however busy the machine is: before k's gate closure until every household has decided and every node
 * holds every published order of k; before k's clearing until every node holds every household's digest of k;
 * before k's decision deadline until every node has concluded k. A barrier held longer than `maxHoldMs` of real
 * time is released (a node that never catches up must not stall the run; it then shows as a disagreement).
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
  const minOrders = Array.from({ length: hosts }, () => new Int32Array(c.T))
  const minDigests = Array.from({ length: hosts }, () => new Int32Array(c.T))
  let results: readonly (readonly unknown[])[] = []
  const gate = (k: number) => gateClosureMs(time, c.firstInterval + k)
  const clearAt = (k: number) => gate(k) + time.maxSkewS * 1000 + timing.digestDelayMs + timing.digestWindowMs
  const barriers = [
    {
      at: gate,
      ready: (k: number) => decided[k] === c.n && minOrders.every((m) => (m[k] as number) >= (published[k] as number)),
    },
    // A node receives the digests of the other n - 1 households (its own it makes).
    { at: clearAt, ready: (k: number) => minDigests.every((m) => (m[k] as number) >= c.n - 1) },
    { at: (k: number) => clearAt(k) + timing.resultWindowMs, ready: (k: number) => (results[k]?.length ?? 0) >= c.n },
  ].map((b) => ({ ...b, k: 0 }))
  let held = { at: Number.NaN, since: 0 }
  let released = 0
  const report = (into: Int32Array[], host: number, k: number, min: number) => {
    if (k >= 0 && k < c.T) (into[host] as Int32Array)[k] = min
  }
  return {
    decided(k: number, count: number) {
      decided[k] = (decided[k] as number) + 1
      published[k] = (published[k] as number) + count
    },
    orders: (host: number, k: number, min: number) => report(minOrders, host, k, min),
    digests: (host: number, k: number, min: number) => report(minDigests, host, k, min),
    /** The instant simulated time may run to now (`results[k]`: the nodes' conclusions of period interval k). */
    limit(now: number, got: readonly (readonly unknown[])[]): number {
      results = got
      for (const b of barriers) while (b.k < c.T && b.ready(b.k)) b.k++
      const waiting = barriers.filter((b) => b.k < c.T)
      if (waiting.length === 0) return Number.POSITIVE_INFINITY
      const first = waiting.reduce((a, b) => (b.at(b.k) < a.at(a.k) ? b : a))
      const at = first.at(first.k) - guardMs
      if (now < at) return at
      const t = performance.now()
      if (at !== held.at) held = { at, since: t }
      if (t - held.since < maxHoldMs) return at
      released++
      first.k++
      return Number.POSITIVE_INFINITY
    },
    released: () => released,
  }
}
