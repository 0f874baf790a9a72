import { describe, expect, it } from 'vitest'
import { parseScenario } from '../scenario/schema.js'
import { assembleCommunity } from './assemble.js'
import { realDataSource } from './sources.js'

describe('assembleCommunity on the real data', () => {
  const data = realDataSource()

  it('reads all 34 SGSC homes and the full customer-12 year', () => {
    const loads = data.loads()
    expect(loads).toHaveLength(34)
    expect(loads.reduce((n, l) => n + l.wh.filter((x) => x >= 0).length, 0)).toBeGreaterThan(850_000)
    const pv = data.pvShape()
    expect(pv.wh.length).toBeGreaterThanOrEqual(17_566)
    // The README's yearly total, less the night-time rounding noise the loader zeroes.
    const total = pv.wh.reduce((a, b) => a + b, 0)
    expect(total).toBeLessThanOrEqual(2_592_808)
    expect(total).toBeGreaterThan(2_590_000)
  })

  it('replays the SGSC readings at the same UTC instant, and reuses homes with a day offset', () => {
    const s = parseScenario({
      name: 'assemble',
      seed: 1,
      period: { start: '2013-01-14T14:00:00Z', days: 1 },
      tariff: { retail: 250000, feedIn: 70000 },
      households: { count: 60, pv: { share: 0 }, loads: { minCoverageDays: 300, reuseOffsetDays: 7 } },
    })
    const c = assembleCommunity(s, data)
    const eligible = data.loads().filter((l) => l.completeDays >= 300)
    const first = eligible[0]!
    const at = Date.parse('2013-01-14T14:00:00Z')
    const j = c.warmup // period start
    expect(c.load[j]).toBe(first.wh[(at - first.startMs) / 1_800_000])
    const reused = c.households[eligible.length]!
    expect(reused.sourceId).toBe(first.id)
    expect(reused.offsetDays).toBe(7)
    expect(c.load[reused.index * c.stride + j]).toBe(first.wh[(at + 7 * 86_400_000 - first.startMs) / 1_800_000])
    // No PV: the meter sees the load.
    expect(c.net).toEqual(c.load)
  })

  it('gives PV homes a midday surplus and nothing at night, and batteries shift it', () => {
    const s = parseScenario({
      name: 'pv',
      seed: 2,
      period: { start: '2013-01-14T14:00:00Z', days: 1 },
      tariff: { retail: 250000, feedIn: 70000 },
      households: { count: 10, pv: { share: 1, kWp: { min: 5, max: 5 } }, battery: { shareOfPv: 0.5 } },
    })
    const c = assembleCommunity(s, data)
    const noonLocal = c.warmup + 24 // 12:00 standard time
    const midnightLocal = c.warmup
    for (const hh of c.households) {
      expect(hh.kWp).toBe(5)
      expect(c.pv[hh.index * c.stride + noonLocal]).toBeGreaterThan(500)
      expect(c.pv[hh.index * c.stride + midnightLocal]).toBe(0)
    }
    const noBattery = assembleCommunity(
      parseScenario({ ...s, households: { ...s.households, battery: { ...s.households.battery, shareOfPv: 0 } } }),
      data,
    )
    const withBattery = c.households.filter((h) => h.batteryWh > 0)
    expect(withBattery.length).toBeGreaterThan(0)
    const sumOf = (net: Int32Array, h: number, sign: 1 | -1) => {
      let t = 0
      for (let k = 0; k < c.T; k++) t += Math.max(0, sign * (net[h * c.stride + c.warmup + k] as number))
      return t
    }
    for (const { index } of withBattery) {
      // The battery soaks up midday surplus and serves the evening: less export and less import, same load and PV.
      expect(sumOf(c.net, index, -1)).toBeLessThan(sumOf(noBattery.net, index, -1))
      expect(sumOf(c.net, index, 1)).toBeLessThan(sumOf(noBattery.net, index, 1))
    }
  })

  it('adds flexible loads whole each day; planned, they move into PV surplus and cheap bands and cut exports', () => {
    const tou = [
      { from: '00:00', to: '07:00', price: 150000 },
      { from: '07:00', to: '24:00', price: 300000 },
    ]
    const base = {
      name: 'flex',
      seed: 3,
      period: { start: '2013-01-14T14:00:00Z', days: 2 },
      tariff: { retail: tou, feedIn: 70000 },
    }
    const households = (plan: 'fixed' | 'flexible', share: number) => ({
      count: 8,
      pv: { share: 0.5, kWp: { min: 5, max: 5 } },
      flexible: { plan, hotWater: { share }, ev: { share } },
    })
    const none = assembleCommunity(parseScenario({ ...base, households: households('fixed', 0) }), data)
    const fixed = assembleCommunity(parseScenario({ ...base, households: households('fixed', 1) }), data)
    const flexible = assembleCommunity(parseScenario({ ...base, households: households('flexible', 1) }), data)
    const total = (c: typeof none, h: number, from: number, to: number, of: Int32Array = c.load) => {
      let t = 0
      for (let j = from; j < to; j++) t += of[h * c.stride + j]!
      return t
    }
    const exported = (c: typeof none, h: number) => {
      let t = 0
      for (let j = c.warmup; j < c.stride; j++) t += Math.max(0, -c.net[h * c.stride + j]!)
      return t
    }
    let exportFixed = 0
    let exportFlexible = 0
    for (const hh of fixed.households) {
      expect(hh.hotWater && hh.ev).toBe(true)
      // The same sessions (every one ends inside the series), planned or not: the same energy.
      const added = total(fixed, hh.index, 0, none.stride) - total(none, hh.index, 0, none.stride)
      expect(added).toBeGreaterThan(0)
      expect(total(flexible, hh.index, 0, none.stride) - total(none, hh.index, 0, none.stride)).toBe(added)
      exportFixed += exported(fixed, hh.index)
      exportFlexible += exported(flexible, hh.index)
    }
    expect(exportFlexible).toBeLessThan(exportFixed)
  })
})
