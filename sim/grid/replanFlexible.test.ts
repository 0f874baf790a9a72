import { describe, expect, it } from 'vitest'
import { assembleCommunity } from '../households/assemble.js'
import { realDataSource } from '../households/sources.js'
import { parseScenario, type ScenarioInput } from '../scenario/schema.js'
import { assembledSchedule, replanFlexible } from './replanFlexible.js'
import type { SiteLimits } from './siteLimits.js'

const input = (share: number): ScenarioInput => ({
  name: 'flex-test',
  seed: 7,
  period: { start: '2013-01-06T14:00:00Z', days: 3 },
  tariff: { retail: 250000, feedIn: 70000 },
  households: { count: 4, pv: { share: 1 }, flexible: { hotWater: { share } } },
})

describe('replanFlexible', () => {
  const s = parseScenario(input(1))
  const c = assembleCommunity(s, realDataSource())
  const base = assembleCommunity(parseScenario(input(0)), realDataSource())

  it('recovers the schedule assembly added to each load', () => {
    for (const hh of c.households) {
      const o = hh.index * c.stride
      const truth = c.load.subarray(o, o + c.stride).map((x, j) => x - base.load[o + j]!)
      expect(truth.some((x) => x > 0)).toBe(true)
      expect(assembledSchedule(s, c, hh, c.pv.subarray(o, o + c.stride), firstMidnightOf(c))).toEqual(truth)
    }
  })

  it('moves the need into the intervals of forecast export above the envelope, keeping each day’s energy', () => {
    const n = c.n * c.T
    // Export limit 0 at 12:00-13:00 local (02:00-03:00 UTC) of every period day, forecast export 5 kWh there.
    const limits: SiteLimits = {
      importWh: new Int32Array(n).fill(100_000),
      exportWh: new Int32Array(n).fill(100_000),
      forecastImportWh: new Int32Array(n),
      forecastExportWh: new Int32Array(n),
    }
    const noon: number[] = []
    for (let k = 0; k < c.T; k++)
      if (new Date((c.firstInterval + k) * c.intervalS * 1000).getUTCHours() === 2) noon.push(k)
    for (let h = 0; h < c.n; h++)
      for (const k of noon) {
        limits.exportWh[h * c.T + k] = 0
        limits.forecastExportWh[h * c.T + k] = 5000
      }
    const load = replanFlexible(s, c, limits)!
    const flexAt = (l: Int32Array, h: number, k: number) =>
      l[h * c.stride + c.warmup + k]! - base.load[h * c.stride + c.warmup + k]!
    for (let h = 0; h < c.n; h++) {
      // 3.6 kW x 30 min, the device's most; the first noon belongs to a session that started in the warm-up.
      for (const k of noon.filter((k) => k >= 48)) expect(flexAt(load, h, k)).toBe(1800)
      let total = 0
      let before = 0
      for (let k = 0; k < c.T; k++) {
        total += flexAt(load, h, k)
        before += flexAt(c.load, h, k)
      }
      expect(total).toBe(before)
    }
    expect(replanFlexible(parseScenario(input(0)), base, limits)).toBeUndefined()
  })
})

function firstMidnightOf(c: { firstInterval: number; warmup: number; intervalS: number }): number {
  // The series starts WARMUP_DAYS before the period; local time is UTC+10 (the default tariff offset).
  const startS = (c.firstInterval - c.warmup) * c.intervalS + 10 * 3600
  const into = ((startS % 86_400) + 86_400) % 86_400
  return into === 0 ? 0 : Math.ceil((86_400 - into) / c.intervalS)
}
