import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileNetwork } from './compileNetwork.js'
import { ratingLimits } from './elementLimits.js'
import { generateNetwork } from './generateNetwork.js'
import { hostingLimits, tighterLimits } from './hostingLimits.js'
import { createPowerFlow, toBusPowers } from './powerFlow.js'

// 30 homes on 2 long feeders of a thin cable, the busbar at 1.05 pu: export soon lifts the far ends above 1.1.
const cable = { rOhmPerKm: 0.313, xOhmPerKm: 0.086, ampacityA: 215 }
const c = compileNetwork(generateNetwork({ households: 30, feeders: 2, segmentM: 40, voltagePu: 1.05, cable }))
const band = { min: 0.9, max: 1.1 }
const limits = hostingLimits(c, { intervalS: 1800, band, powerFactor: 0.95 })
const nb = c.busIds.length

function voltages(householdW: readonly number[], tanPhi = 0) {
  const w = toBusPowers(c, householdW, new Float64Array(nb))
  const v = toBusPowers(
    c,
    householdW.map((x) => (x > 0 ? x * tanPhi : 0)),
    new Float64Array(nb),
  )
  const r = createPowerFlow(c).solve(w, v)
  return { max: Math.max(...r.vm), min: Math.min(...r.vm) }
}

describe('hostingLimits', () => {
  const x = limits.transformer.exportWh / 30 / 0.5 // W per household

  it('finds the uniform export at which the highest voltage reaches the band', () => {
    expect(x).toBeGreaterThan(500)
    expect(voltages(Array(30).fill(-x)).max).toBeLessThanOrEqual(1.1)
    expect(voltages(Array(30).fill(-(x + 50))).max).toBeGreaterThan(1.1)
    // Each line may carry x times its downstream homes: the head of feeder 1 all 15, its last segment 1.
    expect(limits.lines[c.feeders[0]!.line]!.exportWh).toBeCloseTo(15 * x * 0.5, -1)
    expect(limits.lines[14]!.exportWh).toBeCloseTo(x * 0.5, -1)
    expect(hostingLimits(c, { intervalS: 1800, band, powerFactor: 0.95 })).toEqual(limits)
  })

  it('keeps the band for any exports within the limits (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 30, maxLength: 30 }), (u) => {
        expect(voltages(u.map((f) => -f * x)).max).toBeLessThanOrEqual(1.1 + 1e-6)
      }),
      { numRuns: 100 },
    )
  })

  it('is the tighter of itself and the ratings where it binds', () => {
    const both = tighterLimits(ratingLimits(c, 1800), limits)
    expect(both.transformer.exportWh).toBe(
      Math.min(limits.transformer.exportWh, ratingLimits(c, 1800).transformer.exportWh),
    )
    expect(both.lines.every((l, i) => l.exportWh <= limits.lines[i]!.exportWh)).toBe(true)
    // A busbar already above the band leaves nothing to export.
    const high = compileNetwork(generateNetwork({ households: 4, feeders: 1, voltagePu: 1.12 }))
    expect(hostingLimits(high, { intervalS: 1800, band }).transformer.exportWh).toBe(0)
  })
})
