import { describe, expect, it } from 'vitest'
import { rateLimiter } from './rateLimit.js'

describe('rateLimiter', () => {
  it('allows a burst, then refills with time, per key', () => {
    const l = rateLimiter({ burst: 2, perMs: 1 / 1000 })
    expect([l.take('a', 0), l.take('a', 0), l.take('a', 0)]).toEqual([true, true, false])
    expect(l.take('b', 0)).toBe(true)
    expect(l.take('a', 999)).toBe(false)
    expect(l.take('a', 1000)).toBe(true)
  })

  it('tells whether a token is left without taking it', () => {
    const l = rateLimiter({ burst: 1, perMs: 1 / 1000 })
    expect([l.has('a', 0), l.has('a', 0)]).toEqual([true, true])
    l.take('a', 0)
    expect(l.has('a', 500)).toBe(false)
    expect(l.has('a', 1000)).toBe(true)
  })

  it('refuses a bucket that can never refill', () => {
    expect(() => rateLimiter({ burst: 1, perMs: 0 })).toThrow(expect.objectContaining({ code: 'P2P_RATE_LIMIT' }))
  })

  it('forgets idle keys', () => {
    const l = rateLimiter({ burst: 1, perMs: 1 })
    l.take('a', 0)
    l.take('b', 10)
    expect(l.size).toBe(1)
  })
})
