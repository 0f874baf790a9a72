import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GridletError } from '../errors.js'
import { acceleratedClock, manualClock } from './clock.js'
import {
  acceptsOrdersAt,
  gateClosureMs,
  intervalAt,
  intervalStartMs,
  marketTime,
  nextOpenInterval,
  phaseAt,
} from './interval.js'

describe('market time', () => {
  const t = marketTime()

  it('aligns intervals to UTC: id = floor(unix seconds / length)', () => {
    const midnight = Date.UTC(2026, 10, 28)
    expect(intervalAt(t, midnight)).toBe(midnight / 1000 / 900)
    expect(intervalAt(t, midnight + 899_999)).toBe(midnight / 1000 / 900)
    expect(intervalAt(t, midnight + 900_000)).toBe(midnight / 1000 / 900 + 1)
  })

  it('accepts exactly at gate closure and refuses one millisecond later', () => {
    const k = 1_000_000
    expect(gateClosureMs(t, k)).toBe(intervalStartMs(t, k) - 60_000)
    expect(phaseAt(t, k, gateClosureMs(t, k))).toBe('open')
    expect(phaseAt(t, k, gateClosureMs(t, k) + 1)).toBe('closed')
  })

  it('the last interval of a day closes before midnight and the next day starts with a new id', () => {
    const midnight = Date.UTC(2026, 10, 29)
    const first = midnight / 1000 / 900
    expect(intervalAt(t, midnight - 1)).toBe(first - 1)
    // At 23:59:00 the first interval of the next day closes; the one after is the next open one.
    expect(nextOpenInterval(t, midnight - 60_000)).toBe(first)
    expect(nextOpenInterval(t, midnight - 59_999)).toBe(first + 1)
  })

  it('a peer whose clock lags by up to the skew bound is still on time; beyond, it is late', () => {
    const skewed = marketTime({ maxSkewS: 5 })
    const k = 2_000_000
    expect(acceptsOrdersAt(skewed, k, gateClosureMs(skewed, k) + 5_000)).toBe(true)
    expect(acceptsOrdersAt(skewed, k, gateClosureMs(skewed, k) + 5_001)).toBe(false)
  })

  it('every length that divides a day from 60 s to 3600 s is valid, others are refused naming the field', () => {
    for (let len = 1; len <= 4000; len++) {
      const ok = len >= 60 && len <= 3600 && 86_400 % len === 0
      if (ok) expect(marketTime({ lengthS: len }).lengthS).toBe(len)
      else expect(() => marketTime({ lengthS: len })).toThrowError(expect.objectContaining({ field: 'lengthS' }))
    }
    expect(() => marketTime({ gateClosureS: -1 })).toThrowError(GridletError)
  })

  it('intervals tile time: every instant is in exactly one interval, and closure precedes its start', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(60, 300, 900, 1800, 3600),
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        (lengthS, ms) => {
          const mt = marketTime({ lengthS })
          const k = intervalAt(mt, ms)
          expect(intervalStartMs(mt, k) <= ms && ms < intervalStartMs(mt, k + 1)).toBe(true)
          expect(phaseAt(mt, nextOpenInterval(mt, ms), ms)).toBe('open')
        },
      ),
    )
  })
})

describe('clocks', () => {
  it('a manual clock wakes sleepers when advanced and honours abort', async () => {
    const clock = manualClock(0)
    const woke: number[] = []
    const a = clock.sleepUntil(1000).then(() => woke.push(1000))
    const ctrl = new AbortController()
    const b = clock.sleepUntil(5000, ctrl.signal).catch(() => woke.push(-1))
    clock.advance(999)
    await Promise.resolve()
    expect(woke).toEqual([])
    clock.advance(1)
    await a
    ctrl.abort()
    await b
    expect(woke).toEqual([1000, -1])
  })

  it('an accelerated clock runs speed times faster than the real one', () => {
    let real = 0
    const clock = acceleratedClock({ startMs: 1_000_000, speed: 60, realNow: () => real })
    real = 1000
    expect(clock.now()).toBe(1_060_000)
  })
})
