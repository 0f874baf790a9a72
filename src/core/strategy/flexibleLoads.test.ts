import { describe, expect, it } from 'vitest'
import { dailySessions, FlexibleLoads, needFrom, runImmediately } from './flexibleLoads.js'

/** Four 6-hour intervals a day; the first local midnight is interval 2. */
const grid = { firstMidnight: 2, perDay: 4, intervalS: 21_600 }
const tariff = { retailPrice: 300_000n, feedInPrice: 80_000n }

describe('flexible loads', () => {
  it('makes overnight sessions and leaves out one that would end past the series', () => {
    const ev = { energyWh: 7000, startMinute: 18 * 60, dueMinute: 6 * 60, maxW: 1000 }
    // Plugged in at slot 3 of a day, due at slot 1 of the next (1 kW x 6 h = 6000 Wh per interval).
    expect(dailySessions('ev', 12, grid, ev)).toEqual([
      { kind: 'ev', start: 5, deadline: 7, energyWh: 7000, maxWh: 6000 },
      { kind: 'ev', start: 9, deadline: 11, energyWh: 7000, maxWh: 6000 },
    ])
    expect(() => dailySessions('ev', 12, grid, { ...ev, dueMinute: 1440 })).toThrow(/dueMinute/)
    expect(() => dailySessions('ev', 12, grid, { ...ev, maxW: 0 })).toThrow(/maxW/)
  })

  it('a due time equal to the start time is a 24-hour window', () => {
    const tank = { energyWh: 6000, startMinute: 0, dueMinute: 0, maxW: 500 }
    expect(dailySessions('hot-water', 7, grid, tank)).toEqual([
      { kind: 'hot-water', start: 2, deadline: 6, energyWh: 6000, maxWh: 3000 },
    ])
  })

  it('runs an uncontrolled session at full power from the start; needs are relative to the plan', () => {
    const into = new Int32Array(8)
    const s = { kind: 'ev' as const, start: 2, deadline: 6, energyWh: 2500, maxWh: 1000 }
    runImmediately(s, into)
    expect([...into]).toEqual([0, 0, 1000, 1000, 500, 0, 0, 0])
    expect(needFrom(s, 2)).toEqual({ energyWh: 2500, from: 0, deadline: 4, maxWh: 1000 })
  })

  it('plans a flexible session into the forecast surplus when it starts; fixed runs it at once', () => {
    const s = { kind: 'hot-water' as const, start: 1, deadline: 4, energyWh: 1000, maxWh: 1000 }
    const fixed = new FlexibleLoads([s], { length: 4, plan: 'fixed', from: 0 })
    expect([...fixed.scheduled]).toEqual([0, 1000, 0, 0])
    const flex = new FlexibleLoads([s], { length: 4, plan: 'flexible', from: 0 })
    expect(flex.reach(0, 1)).toBe(0)
    expect(flex.reach(1, 1)).toBe(3)
    // From slot 1: no surplus, then 600 Wh of PV surplus, then 200.
    flex.plan(1, 1, { load: [100, 100, 100], pv: [0, 700, 300] }, [tariff])
    expect([...flex.scheduled]).toEqual([0, 200, 600, 200])
  })
})
