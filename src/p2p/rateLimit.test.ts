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

  it('forgets idle keys', () => {
    const l = rateLimiter({ burst: 1, perMs: 1 })
    l.take('a', 0)
    l.take('b', 10)
    expect(l.size).toBe(1)
  })
})
