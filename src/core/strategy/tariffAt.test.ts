import { describe, expect, it } from 'vitest'
import { GridletError } from '../errors.js'
import { bandPriceAt, tariffAt } from './tariffAt.js'

const SYDNEY = 10 * 3_600_000
const retail = [
  { from: '00:00', to: '07:00', price: 150_000n },
  { from: '07:00', to: '14:00', price: 250_000n },
  { from: '14:00', to: '24:00', price: 450_000n },
]

describe('tariffAt', () => {
  it('prices each instant by the band of its civil time, flat prices everywhere', () => {
    const s = { retailPrice: retail, feedInPrice: 70_000n, utcOffsetMs: SYDNEY }
    // 2013-01-15 03:30 UTC is 13:30 in Sydney; 04:00 UTC is 14:00, the next band's first minute
    expect(tariffAt(s, Date.UTC(2013, 0, 15, 3, 30))).toEqual({ retailPrice: 250_000n, feedInPrice: 70_000n })
    expect(tariffAt(s, Date.UTC(2013, 0, 15, 4, 0))).toEqual({ retailPrice: 450_000n, feedInPrice: 70_000n })
    // 14:00 UTC is midnight in Sydney: the day wraps
    expect(tariffAt(s, Date.UTC(2013, 0, 14, 14, 0)).retailPrice).toBe(150_000n)
    expect(tariffAt(s, Date.UTC(2013, 0, 14, 13, 59)).retailPrice).toBe(450_000n)
    // without an offset the bands are UTC; before 1970 too
    expect(tariffAt({ retailPrice: retail, feedInPrice: 1n }, Date.UTC(1969, 11, 31, 6, 59)).retailPrice).toBe(150_000n)
  })

  it('names the price whose bands leave a gap', () => {
    const gap = { retailPrice: 1n, feedInPrice: [{ from: '00:00', to: '12:00', price: 5n }] }
    expect(tariffAt(gap, Date.UTC(2026, 0, 1, 11, 59)).feedInPrice).toBe(5n)
    expect(bandPriceAt(gap.feedInPrice, Date.UTC(2026, 0, 1, 12), 0)).toBeUndefined()
    try {
      tariffAt(gap, Date.UTC(2026, 0, 1, 12))
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(GridletError)
      expect((err as GridletError).code).toBe('TARIFF_GAP')
      expect((err as GridletError).field).toBe('feedInPrice')
    }
  })
})
