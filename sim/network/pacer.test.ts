import { describe, expect, it, vi } from 'vitest'
import { gateClosureMs, marketTime } from '../../src/core/time/interval.js'
import type { Community } from '../households/assemble.js'
import { pacer } from './pacer.js'

const time = marketTime({ lengthS: 1800, gateClosureS: 60, maxSkewS: 5 })
const timing = { digestDelayMs: 1000, digestWindowMs: 10_000, resultWindowMs: 15_000 }
const c = { n: 3, T: 2, firstInterval: 1000 } as Community
const gate = gateClosureMs(time, 1000)
const clearAt = gate + 5000 + 1000 + 10_000
const decideAt = clearAt + 15_000

describe('pacer', () => {
  it('holds time before gate closure, clearing and decision until every node has caught up', () => {
    const p = pacer(c, 2, time, timing, 50, 60_000)
    const none: unknown[][] = [[], []]
    expect(p.limit(gate - 10_000, none)).toBe(gate - 50)
    for (let h = 0; h < 3; h++) p.decided(0, 2) // three households, two orders each
    p.orders(0, 0, 6)
    expect(p.limit(gate - 50, none)).toBe(gate - 50) // host 1 does not hold them yet
    p.orders(1, 0, 6)
    // orders in: next the clearing of interval 0 waits for every node to hold the other two digests
    expect(p.limit(gate - 50, none)).toBe(clearAt - 50)
    p.digests(0, 0, 2)
    p.digests(1, 0, 1)
    expect(p.limit(clearAt - 50, none)).toBe(clearAt - 50)
    p.digests(1, 0, 2)
    expect(p.limit(clearAt - 50, none)).toBe(decideAt - 50)
    expect(p.limit(decideAt - 50, [[1, 2, 3], []])).toBe(gateClosureMs(time, 1001) - 50)
    expect(p.released()).toBe(0)
  })

  it('gives up a barrier held longer than maxHoldMs of real time, and counts it', () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    try {
      const p = pacer(c, 1, time, timing, 50, 1000)
      expect(p.limit(gate - 50, [[], []])).toBe(gate - 50)
      vi.advanceTimersByTime(1001)
      expect(p.limit(gate - 50, [[], []])).toBe(Number.POSITIVE_INFINITY)
      expect(p.released()).toBe(1)
      // the next barrier is interval 0's clearing (its digests are still missing)
      expect(p.limit(gate - 50, [[], []])).toBe(clearAt - 50)
    } finally {
      vi.useRealTimers()
    }
  })
})
