import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { reconnectDelay } from './reconnectDelay.js'

const bounds = { minMs: 1000, maxMs: 60_000 }

describe('reconnectDelay', () => {
  it('doubles from the minimum and stops at the maximum', () => {
    expect([0, 1, 2, 3, 6, 7, 100].map((a) => reconnectDelay(a, bounds, () => 1))).toEqual([
      1000, 2000, 4000, 8000, 60_000, 60_000, 60_000,
    ])
    expect(reconnectDelay(0, bounds, () => 0)).toBe(500)
    expect(reconnectDelay(100, bounds, () => 0)).toBe(30_000)
  })

  it('stays within [min/2, max] for any attempt and random draw', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const d = reconnectDelay(attempt, bounds, () => r)
        expect(d).toBeGreaterThanOrEqual(500)
        expect(d).toBeLessThanOrEqual(60_000)
      }),
    )
  })
})
