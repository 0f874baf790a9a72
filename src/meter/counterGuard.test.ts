import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CounterGuard } from './counterGuard.js'

const HOUR = 3_600_000

describe('CounterGuard', () => {
  it('accepts growth within max power, rejects a transient zero and a jump without re-basing on them', () => {
    const g = new CounterGuard({ maxPowerW: 10_000, confirmReads: 3 })
    expect(g.check(1_000_000, 0)).toEqual({ ok: true, valueWh: 1_000_000, rebased: false })
    expect(g.check(0, 1000)).toMatchObject({ ok: false, reason: 'decrease' })
    expect(g.check(11_000_000, 2000)).toMatchObject({ ok: false, reason: 'jump' })
    expect(g.check(1_000_005, 3000)).toEqual({ ok: true, valueWh: 1_000_005, rebased: false })
    // 10 kW for one hour is 10 kWh; a 10.1 kWh step in an hour is not possible
    expect(g.check(1_010_100, 3000 + HOUR)).toMatchObject({ ok: false, reason: 'jump' })
    expect(g.check(Number.NaN, 4000 + HOUR)).toMatchObject({ ok: false, reason: 'invalid' })
  })

  it('a new level that holds for confirmReads reads is accepted with an offset: nothing goes backwards', () => {
    const g = new CounterGuard({ maxPowerW: 10_000, confirmReads: 3 })
    g.check(500_000, 0)
    expect(g.check(100, 1000).ok).toBe(false)
    expect(g.check(110, 2000).ok).toBe(false)
    expect(g.check(120, 3000)).toEqual({ ok: true, valueWh: 500_000, rebased: true })
    expect(g.check(130, 4000)).toEqual({ ok: true, valueWh: 500_010, rebased: false })
  })

  it('property: reported values never decrease and never grow faster than max power allows', () => {
    const maxPowerW = 5000
    const step = fc.record({
      dtMs: fc.integer({ min: 0, max: 600_000 }),
      kind: fc.constantFrom('normal', 'normal', 'normal', 'zero', 'jump', 'drop', 'nan'),
      wh: fc.integer({ min: 0, max: 800 }),
    })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.array(step, { maxLength: 60 }), (start, steps) => {
        const g = new CounterGuard({ maxPowerW, slackWh: 20, confirmReads: 3 })
        let truth = start
        let t = 0
        let last: { v: number; t: number } | undefined
        for (const s of steps) {
          t += s.dtMs
          truth += Math.min(s.wh, (maxPowerW * s.dtMs) / HOUR)
          const raw = { normal: truth, zero: 0, jump: truth + 1e7, drop: truth / 2, nan: Number.NaN }[s.kind]
          const v = g.check(raw, t)
          if (!v.ok) continue
          if (last) {
            expect(v.valueWh).toBeGreaterThanOrEqual(last.v - 5)
            expect(v.valueWh - last.v).toBeLessThanOrEqual((maxPowerW * (t - last.t)) / HOUR + 21)
          }
          last = { v: v.valueWh, t }
        }
      }),
    )
  })

  it('property: advance() then check() behaves exactly as check() alone (advance is its allocation-free fast path)', () => {
    const step = fc.record({
      dtMs: fc.integer({ min: 0, max: 600_000 }),
      raw: fc.oneof(
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e12),
      ),
    })
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const plain = new CounterGuard({ maxPowerW: 5000, confirmReads: 3 })
        const fast = new CounterGuard({ maxPowerW: 5000, confirmReads: 3 })
        let t = 0
        for (const s of steps) {
          t += s.dtMs
          const expected = plain.check(s.raw, t)
          const advanced = fast.advance(s.raw, t)
          const got = advanced === undefined ? fast.check(s.raw, t) : { ok: true, valueWh: advanced, rebased: false }
          expect(got).toEqual(expected)
          expect(fast.valueWh).toBe(plain.valueWh)
        }
      }),
    )
  })
})
