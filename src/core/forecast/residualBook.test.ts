import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ResidualBook } from './residualBook.js'
import { slotGrid } from './slotGrid.js'
import { SlotHistory } from './slotHistory.js'
import { quantileSorted } from './stats.js'

describe('ResidualBook', () => {
  it("gives each slot its bucket's 10/90% residual quantiles over the last 28 days, as a full sort would", () => {
    const grid = slotGrid({ nonNegative: false })
    const spd = grid.spd
    fc.assert(
      fc.property(
        // Few distinct values, so ties are common; 40 days, so the rings wrap; now and then a reading no meter can
        // give (infinite), which files no residual.
        fc.array(fc.oneof({ weight: 50, arbitrary: fc.integer({ min: -40, max: 40 }) }, fc.constant(Infinity)), {
          minLength: 40 * spd,
          maxLength: 40 * spd,
        }),
        fc.integer({ min: -20, max: 20 }),
        (readings, point) => {
          const book = new ResidualBook(grid)
          const history = new SlotHistory(spd)
          const byBucket: number[][] = Array.from({ length: 6 }, () => [])
          for (let day = 0; day < 40; day++) {
            const from = day * spd
            const q = book.wrap(from, new Float64Array(spd).fill(point), history)
            for (let j = 0; j < spd; j++) {
              const res = byBucket[Math.floor((j * 6) / spd)]!.slice(-28 * 8).sort((x, y) => x - y)
              if (res.length < 24) continue
              // Non-crossing: p10 <= p50 <= p90.
              expect(q.p10[j]).toBe(Math.min(point, point + quantileSorted(res, 0.1)))
              expect(q.p90[j]).toBe(Math.max(point, point + quantileSorted(res, 0.9)))
            }
            for (let j = 0; j < spd; j++) {
              book.settle(from + j, readings[from + j]!)
              const r = readings[from + j]! - point
              if (Number.isFinite(r)) byBucket[Math.floor((j * 6) / spd)]!.push(r)
            }
          }
        },
      ),
      { numRuns: 20 },
    )
  })
})
