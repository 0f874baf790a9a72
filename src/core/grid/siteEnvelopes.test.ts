import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileNetwork } from './compileNetwork.js'
import { type ElementLimits, ratingLimits, withEnvelope } from './elementLimits.js'
import { generateNetwork } from './generateNetwork.js'
import { createSiteEnvelopes } from './siteEnvelopes.js'
import type { GridNetwork } from './types.js'

/** A random tree: bus b hangs off bus parents[b - 1] (< b); households on random buses (the busbar too). */
const caseArb = fc.integer({ min: 2, max: 25 }).chain((n) =>
  fc.record({
    parents: fc.tuple(...Array.from({ length: n - 1 }, (_, i) => fc.integer({ min: 0, max: i }))),
    homes: fc.array(fc.record({ bus: fc.nat(n - 1), imp: fc.nat(6000), exp: fc.nat(9000) }), {
      minLength: 1,
      maxLength: 40,
    }),
    lineLimits: fc.array(fc.record({ importWh: fc.nat(30_000), exportWh: fc.nat(30_000) }), {
      minLength: n - 1,
      maxLength: n - 1,
    }),
    transformer: fc.record({ importWh: fc.nat(60_000), exportWh: fc.nat(60_000) }),
    seed: fc.nat(),
  }),
)

function treeNetwork(parents: readonly number[], homes: readonly { bus: number }[]): GridNetwork {
  return {
    name: 'tree',
    voltageKv: 0.4,
    transformer: { id: 'T', bus: 'B0', ratingKva: 100, vscPercent: 4, vscrPercent: 1 },
    buses: Array.from({ length: parents.length + 1 }, (_, b) => ({ id: `B${b}` })),
    lines: parents.map((p, i) => ({
      id: `L${i + 1}`,
      from: `B${p}`,
      to: `B${i + 1}`,
      lengthM: 30,
      rOhmPerKm: 0.208,
      xOhmPerKm: 0.08,
      ampacityA: 270,
    })),
    households: homes.map((h, i) => ({ id: `h${i}`, bus: `B${h.bus}` })),
  }
}

/** The households downstream of each line (by household index). */
function downstream(net: GridNetwork): number[][] {
  const c = compileNetwork(net)
  const out: number[][] = net.lines.map(() => [])
  for (let h = 0; h < net.households.length; h++)
    for (let b = c.householdBus[h]!; b !== c.root; b = c.parent[b]!) out[c.parentLine[b]!]!.push(h)
  return out
}

const sum = (xs: ArrayLike<number>, idx: readonly number[]) => idx.reduce((s, i) => s + xs[i]!, 0)

describe('createSiteEnvelopes (fast-check)', () => {
  it('site limits downstream of any element sum to at most its limit, both directions', () => {
    fc.assert(
      fc.property(caseArb, ({ parents, homes, lineLimits, transformer }) => {
        const net = treeNetwork(parents, homes)
        const limits: ElementLimits = { lines: lineLimits, transformer }
        const r = createSiteEnvelopes(compileNetwork(net)).allocate(limits, {
          importWh: homes.map((h) => h.imp),
          exportWh: homes.map((h) => h.exp),
        })
        const all = homes.map((_, i) => i)
        expect(sum(r.importWh, all)).toBeLessThanOrEqual(transformer.importWh)
        expect(sum(r.exportWh, all)).toBeLessThanOrEqual(transformer.exportWh)
        for (const [l, hs] of downstream(net).entries()) {
          expect(sum(r.importWh, hs)).toBeLessThanOrEqual(lineLimits[l]!.importWh)
          expect(sum(r.exportWh, hs)).toBeLessThanOrEqual(lineLimits[l]!.exportWh)
        }
        for (let h = 0; h < homes.length; h++)
          expect(Math.min(r.importWh[h]!, r.exportWh[h]!)).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: 300 },
    )
  })

  it('is deterministic and does not depend on the order of the households', () => {
    fc.assert(
      fc.property(caseArb, ({ parents, homes, lineLimits, transformer, seed }) => {
        const limits: ElementLimits = { lines: lineLimits, transformer }
        const run = (hs: typeof homes) => {
          const r = createSiteEnvelopes(compileNetwork(treeNetwork(parents, hs))).allocate(limits, {
            importWh: hs.map((h) => h.imp),
            exportWh: hs.map((h) => h.exp),
          })
          return { imp: Array.from(r.importWh), exp: Array.from(r.exportWh) }
        }
        const a = run(homes)
        expect(run(homes)).toEqual(a)
        // A seeded shuffle: household i of the original sits at place perm.indexOf(i).
        const perm = homes.map((_, i) => i)
        for (let i = perm.length - 1, s = seed; i > 0; i--, s = (s * 1103515245 + 12345) % 2 ** 31) {
          const j = s % (i + 1)
          ;[perm[i], perm[j]] = [perm[j]!, perm[i]!]
        }
        const b = run(perm.map((i) => homes[i]!))
        perm.forEach((orig, place) => {
          expect(b.imp[place]).toBe(a.imp[orig])
          expect(b.exp[place]).toBe(a.exp[orig])
        })
      }),
      { numRuns: 200 },
    )
  })

  it('grants every forecast need in full when no element is short', () => {
    fc.assert(
      fc.property(caseArb, ({ parents, homes }) => {
        const big = { importWh: 10 ** 7, exportWh: 10 ** 7 }
        const limits: ElementLimits = { lines: parents.map(() => big), transformer: big }
        const r = createSiteEnvelopes(compileNetwork(treeNetwork(parents, homes))).allocate(limits, {
          importWh: homes.map((h) => h.imp),
          exportWh: homes.map((h) => h.exp),
        })
        homes.forEach((h, i) => {
          expect(r.importWh[i]).toBeGreaterThanOrEqual(h.imp)
          expect(r.exportWh[i]).toBeGreaterThanOrEqual(h.exp)
        })
      }),
      { numRuns: 100 },
    )
  })
})

describe('createSiteEnvelopes (examples)', () => {
  // 6 homes, 2 feeders x 3, each chain F1.1 - F1.2 - F1.3.
  const c = compileNetwork(generateNetwork({ households: 6, feeders: 2 }))
  const wide = { importWh: 100_000, exportWh: 100_000 }

  it('shares a short transformer max-min fairly: small needs in full, the large ones at one water level', () => {
    const limits: ElementLimits = {
      lines: c.network.lines.map(() => wide),
      transformer: { importWh: 0, exportWh: 10_000 },
    }
    const r = createSiteEnvelopes(c).allocate(limits, {
      importWh: [0, 0, 0, 0, 0, 0],
      exportWh: [500, 4000, 0, 6000, 3000, 2000],
    })
    // 500 + 2000 in full, the other three share 7500: 2500 each; no spare left to hand out.
    expect(Array.from(r.exportWh)).toEqual([500, 2500, 0, 2500, 2500, 2000])
    expect(Array.from(r.importWh)).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('takes the tightest element on the path, then hands out spare capacity in equal shares', () => {
    const lines = c.network.lines.map(() => wide)
    lines[1] = { importWh: 100_000, exportWh: 3000 } // F1.1 - F1.2: homes 1 and 2 behind it
    const limits: ElementLimits = { lines, transformer: { importWh: 60_000, exportWh: 20_000 } }
    const r = createSiteEnvelopes(c).allocate(limits, {
      importWh: [6000, 0, 0, 0, 0, 0],
      exportWh: [0, 4000, 4000, 0, 0, 2000],
    })
    // Homes 1, 2 get 1500 each at their cable; the transformer has 20000 - 5000 = 15000 spare: 2500 per home, but
    // the cable has none left for homes 1 and 2. Import: 60000 - 6000 spare, 9000 each.
    expect(Array.from(r.exportWh)).toEqual([2500, 1500, 1500, 2500, 2500, 4500])
    expect(Array.from(r.importWh)).toEqual([15_000, 9000, 9000, 9000, 9000, 9000])
  })

  it('puts an operating envelope in place of the feeder head and transformer ratings', () => {
    const base = ratingLimits(c, 1800)
    expect(base.transformer.exportWh).toBe(Math.floor(c.network.transformer.ratingKva * 500))
    expect(base.lines[0]!.exportWh).toBe(Math.floor(Math.sqrt(3) * 400 * 270 * 0.5))
    const e = withEnvelope(c, base, {
      feeders: [undefined, { importWh: 7000n, exportWh: 4000n }],
      transformers: [{ importWh: 2n ** 40n, exportWh: 9000n }],
    })
    expect(e.lines[c.feeders[1]!.line]).toEqual({ importWh: 7000, exportWh: 4000 })
    expect(e.lines[c.feeders[0]!.line]).toEqual(base.lines[c.feeders[0]!.line])
    expect(e.transformer).toEqual({ importWh: 2 ** 31 - 1, exportWh: 9000 })
    expect(withEnvelope(c, base, undefined)).toBe(base)
  })
})
