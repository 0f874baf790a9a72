import fc from 'fast-check'
import { keccak256, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { sortSide } from './sortBook.js'

const reference = (prices: number[], ids: string[], descending: boolean) =>
  prices
    .map((_, i) => i)
    .sort((a, b) => {
      if (prices[a] !== prices[b]) return prices[a]! < prices[b]! !== descending ? -1 : 1
      return ids[a]! < ids[b]! ? -1 : 1
    })

describe('sortSide', () => {
  // The radix path runs from 1,024 orders on; books this large are drawn here over price ranges that need one,
  // two and three 16-bit digits, with many equal prices so the id tie-break is exercised.
  it('radix path equals a plain comparison sort (price, then id)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_024, max: 4_000 }),
        fc.constantFrom(50, 60_000, 3_000_000_000, 2 ** 47),
        fc.boolean(),
        fc.integer(),
        (n, range, descending, seed) => {
          let s = seed >>> 0 || 1
          const rnd = () => {
            s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0
            return s / 2 ** 32
          }
          const prices = Array.from({ length: n }, () => 1 + Math.floor(rnd() * range))
          const ids = Array.from({ length: n }, (_, i) => keccak256(toHex(`${seed}-${i}`)))
          const got = Array.from(sortSide(Float64Array.from(prices), (i) => ids[i]!, descending))
          expect(got).toEqual(reference(prices, ids, descending))
        },
      ),
      { numRuns: 24 },
    )
  })

  it('radix path orders ties exactly for ids of any shape (case, length, prefix, wide characters)', () => {
    const id = fc
      .constantFrom('0x', '0X', '0x0', '')
      .chain((head) =>
        fc.string({ unit: fc.constantFrom('a', 'A', '0', '9', 'f', '\u0100', 'x'), maxLength: 8 }).map((t) => head + t),
      )
    fc.assert(
      fc.property(fc.array(id, { minLength: 1_024, maxLength: 1_500 }), fc.boolean(), (shapes, descending) => {
        const ids = shapes.map((x, i) => `${x}.${i}`) // unique, so the reference order is total
        const prices = ids.map((_, i) => 1 + (i % 7))
        const got = Array.from(sortSide(Float64Array.from(prices), (i) => ids[i]!, descending))
        expect(got).toEqual(reference(prices, ids, descending))
      }),
      { numRuns: 20 },
    )
  })

  it('bigint prices sort exactly beyond 2^53', () => {
    const prices = [2n ** 60n + 1n, 2n ** 60n, 2n ** 60n + 1n]
    const ids = ['0x02', '0x01', '0x01']
    expect(Array.from(sortSide(prices, (i) => ids[i]!, true))).toEqual([2, 0, 1])
  })
})
