import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createForecaster } from './createForecaster.js'
import { MODEL_NAMES } from './types.js'

const SLOT = 1_800_000
const DAY = 48

/** A deterministic synthetic household: a daily shape, a weekend bump and seeded noise. */
function synthetic(days: number, seed = 1): number[] {
  let s = seed
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
  return Array.from({ length: days * DAY }, (_, i) => {
    const h = (i % DAY) / 2
    return Math.round(150 + 250 * Math.exp(-((h - 19) ** 2) / 4) + 100 * rnd())
  })
}

describe('createForecaster', () => {
  it('seasonal naive forecasts yesterday', () => {
    const f = createForecaster('seasonal-naive')
    const y = synthetic(3)
    y.slice(0, 2 * DAY).forEach((v, i) => {
      f.observe(i * SLOT, v)
    })
    expect(Array.from(f.forecast(2 * DAY * SLOT, DAY).p50)).toEqual(y.slice(DAY, 2 * DAY))
  })

  it('empirical-profile with residualDecay carries the latest departure forward, fading per slot', () => {
    const run = (residualDecay: number) => {
      const f = createForecaster('empirical-profile', { residualDecay })
      for (let i = 0; i < 10 * DAY; i++) f.observe(i * SLOT, 100)
      f.observe(10 * DAY * SLOT, 500) // a cloud clears, say: 400 above the profile
      return Array.from(f.forecast((10 * DAY + 1) * SLOT, 3).p50)
    }
    expect(run(0)).toEqual([100, 100, 100])
    expect(run(0.5)).toEqual([300, 200, 150])
    expect(() => createForecaster('empirical-profile', { residualDecay: 1 })).toThrow(/residual decay/)
  })

  it('every model gives ordered, non-negative quantiles and is deterministic', () => {
    const y = synthetic(40)
    for (const model of MODEL_NAMES) {
      const run = () => {
        const f = createForecaster(model)
        y.forEach((v, i) => {
          f.observe(i * SLOT, v)
        })
        return f.forecast(y.length * SLOT, DAY)
      }
      const a = run()
      expect(run()).toEqual(a)
      for (let j = 0; j < DAY; j++) {
        expect(a.p10[j]).toBeGreaterThanOrEqual(0)
        expect(a.p10[j]).toBeLessThanOrEqual(a.p50[j]!)
        expect(a.p50[j]).toBeLessThanOrEqual(a.p90[j]!)
      }
    }
  })

  it('the stronger models beat seasonal naive on a noisy daily pattern', () => {
    const y = synthetic(70, 7)
    const mae = (model: (typeof MODEL_NAMES)[number]) => {
      const f = createForecaster(model)
      let err = 0
      for (let d = 0; d < 70; d++) {
        if (d >= 35) {
          const q = f.forecast(d * DAY * SLOT, DAY)
          for (let j = 0; j < DAY; j++) err += Math.abs(q.p50[j]! - y[d * DAY + j]!)
        }
        for (let j = 0; j < DAY; j++) f.observe((d * DAY + j) * SLOT, y[d * DAY + j]!)
      }
      return err
    }
    const naive = mae('seasonal-naive')
    for (const m of ['holt-winters', 'empirical-profile', 'quantile-regression'] as const)
      expect(mae(m)).toBeLessThan(naive)
  })

  it('ignores missing readings and survives any reading values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(Number.NaN), fc.integer({ min: 0, max: 5000 })), { maxLength: 400 }),
        (ys) => {
          for (const model of MODEL_NAMES) {
            const f = createForecaster(model)
            ys.forEach((v, i) => {
              f.observe(i * SLOT, v)
            })
            const q = f.forecast(ys.length * SLOT, 8)
            for (const v of q.p50) expect(Number.isFinite(v)).toBe(true)
          }
        },
      ),
      { numRuns: 20 },
    )
  })

  it('forecasts from an empty history without hanging', () => {
    for (const model of MODEL_NAMES) {
      const f = createForecaster(model)
      f.observe(0, Number.NaN)
      expect(Array.from(createForecaster(model).forecast(0, 4).p50)).toEqual([0, 0, 0, 0])
      expect(f.forecast(SLOT, 4).p50.length).toBe(4)
    }
  })

  it('rejects bad input with a typed error naming the field', () => {
    expect(() => createForecaster('nope' as 'persistence')).toThrow(expect.objectContaining({ code: 'FORECAST_MODEL' }))
    expect(() => createForecaster('persistence', { slotMs: 7 })).toThrow(expect.objectContaining({ field: 'slotMs' }))
    const f = createForecaster('persistence')
    expect(() => f.observe(1, 5)).toThrow(expect.objectContaining({ code: 'FORECAST_SLOT_TIME' }))
    expect(() => f.forecast(0, 0)).toThrow(expect.objectContaining({ field: 'horizonSlots' }))
  })
})
