import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileNetwork } from './compileNetwork.js'
import { generateNetwork } from './generateNetwork.js'
import { createPowerFlow, toBusPowers } from './powerFlow.js'
import type { GridNetwork } from './types.js'

/** A random tree: bus b hangs off bus parents[b - 1] (< b), with one household on every bus but the busbar. */
const treeArb = fc.integer({ min: 2, max: 40 }).chain((n) =>
  fc.record({
    parents: fc.tuple(...Array.from({ length: n - 1 }, (_, i) => fc.integer({ min: 0, max: i }))),
    lengths: fc.array(fc.integer({ min: 5, max: 80 }), { minLength: n - 1, maxLength: n - 1 }),
    kw: fc.array(fc.double({ min: -6, max: 8, noNaN: true }), { minLength: n - 1, maxLength: n - 1 }),
    kvar: fc.array(fc.double({ min: -1, max: 2, noNaN: true }), { minLength: n - 1, maxLength: n - 1 }),
  }),
)

function treeNetwork(parents: readonly number[], lengths: readonly number[]): GridNetwork {
  return {
    name: 'tree',
    voltageKv: 0.4,
    transformer: { id: 'T', bus: 'B0', ratingKva: 400, vscPercent: 4, vscrPercent: 1, voltagePu: 1.04 },
    buses: Array.from({ length: parents.length + 1 }, (_, b) => ({ id: `B${b}` })),
    lines: parents.map((p, i) => ({
      id: `L${i + 1}`,
      from: `B${p}`,
      to: `B${i + 1}`,
      lengthM: lengths[i]!,
      rOhmPerKm: 0.208,
      xOhmPerKm: 0.08,
      ampacityA: 270,
    })),
    households: parents.map((_, i) => ({ id: String(i), bus: `B${i + 1}` })),
  }
}

describe('createPowerFlow', () => {
  it('power balance: what the transformer delivers is the load plus the losses (any tree, any injections)', () => {
    fc.assert(
      fc.property(treeArb, ({ parents, lengths, kw, kvar }) => {
        const c = compileNetwork(treeNetwork(parents, lengths))
        const n = c.busIds.length
        const w = toBusPowers(
          c,
          kw.map((x) => x * 1000),
          new Float64Array(n),
        )
        const v = toBusPowers(
          c,
          kvar.map((x) => x * 1000),
          new Float64Array(n),
        )
        const r = createPowerFlow(c).solve(w, v)
        expect(r.converged).toBe(true)
        const load = w.reduce((a, b) => a + b, 0)
        expect(r.lossesW).toBeGreaterThanOrEqual(0)
        expect(Math.abs(r.slackW - load - r.lossesW)).toBeLessThan(1e-3)
      }),
      { numRuns: 200 },
    )
  })

  it('an unloaded network sits at 1 pu with no current and no losses', () => {
    const c = compileNetwork(generateNetwork({ households: 6, feeders: 2 }))
    const r = createPowerFlow(c).solve(new Float64Array(7), new Float64Array(7))
    expect(Array.from(r.vm)).toEqual(Array(7).fill(1))
    expect(r.lossesW).toBe(0)
    expect(r.transformerLoadingPct).toBe(0)
  })

  it('matches the closed form of one line: V drop of a constant current, loading by ampacity', () => {
    // 0.4 kV busbar, 100 m of 0.2 + j0 ohm/km, 10 kW: the exact solution of V (V_s - V) = P R / 3 per phase.
    const net: GridNetwork = {
      name: 'one',
      voltageKv: 0.4,
      transformer: { id: 'T', bus: 'A', ratingKva: 1e6, vscPercent: 1e-9, vscrPercent: 0 },
      buses: [{ id: 'A' }, { id: 'B' }],
      lines: [{ id: 'AB', from: 'A', to: 'B', lengthM: 100, rOhmPerKm: 0.2, xOhmPerKm: 0, ampacityA: 100 }],
      households: [{ id: 'h', bus: 'B' }],
    }
    const c = compileNetwork(net)
    const r = createPowerFlow(c).solve(Float64Array.of(0, 10_000), new Float64Array(2))
    const vs = 400 / Math.sqrt(3)
    const R = 0.02
    const v = (vs + Math.sqrt(vs * vs - 4 * R * (10_000 / 3))) / 2
    expect(r.vm[1]).toBeCloseTo(v / vs, 9)
    expect(r.lineCurrentA[0]).toBeCloseTo(10_000 / 3 / v, 6)
    expect(r.lineLoadingPct[0]).toBeCloseTo(10_000 / 3 / v, 6)
    expect(r.lossesW).toBeCloseTo(3 * R * (10_000 / 3 / v) ** 2, 6)
  })

  it('export raises the voltage at the end of a feeder, import lowers it', () => {
    const c = compileNetwork(generateNetwork({ households: 20, feeders: 1 }))
    const pf = createPowerFlow(c)
    const q = new Float64Array(21)
    const end = c.householdBus[19]!
    const up = pf.solve(toBusPowers(c, Array(20).fill(-5000), new Float64Array(21)), q).vm[end]!
    const down = pf.solve(toBusPowers(c, Array(20).fill(5000), new Float64Array(21)), q).vm[end]!
    expect(up).toBeGreaterThan(1.02)
    expect(down).toBeLessThan(0.98)
  })
})
