import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GridletError } from '../errors.js'
import { compileNetwork } from './compileNetwork.js'
import { generateNetwork } from './generateNetwork.js'
import { parseNetwork } from './parseNetwork.js'
import type { GridNetwork } from './types.js'

/** A network as plain JSON, for mutating into invalid shapes. */
type Obj = Record<string, unknown>
type Raw = { lines: Obj[]; buses: Obj[]; households?: Obj[]; transformer: Obj }

const base = (): GridNetwork => generateNetwork({ households: 4, feeders: 2 })

function errorOf(fn: () => unknown): GridletError {
  try {
    fn()
  } catch (e) {
    if (e instanceof GridletError) return e
    throw e
  }
  throw new Error('did not throw')
}

describe('parseNetwork', () => {
  it('accepts a generated network unchanged (JSON round trip)', () => {
    const net = base()
    expect(parseNetwork(JSON.parse(JSON.stringify(net)))).toEqual(net)
  })

  it.each([
    [(n: Raw) => (n.lines[1]!.ampacityA = 0), 'lines["F1.1-F1.2"].ampacityA'],
    [(n: Raw) => (n.lines[0]!.lengthM = -3), 'lines["LV-F1.1"].lengthM'],
    [(n: Raw) => (n.lines[0]!.rOhmPerKm = Number.NaN), 'lines["LV-F1.1"].rOhmPerKm'],
    [(n: Raw) => (n.transformer.ratingKva = '100'), 'transformer.ratingKva'],
    [(n: Raw) => (n.transformer.vscrPercent = 5), 'transformer.vscrPercent'],
    [(n: Raw) => delete n.households, 'households'],
    [(n: Raw) => (n.buses[2] = { id: '' }), 'buses[2].id'],
  ])('names the bad field (%#)', (mutate, field) => {
    const n = JSON.parse(JSON.stringify(base()))
    mutate(n)
    const e = errorOf(() => parseNetwork(n))
    expect(e.code).toBe('CONFIG_GRID_FIELD')
    expect(e.field).toBe(field)
  })
})

describe('compileNetwork', () => {
  it('orders buses parents first and finds one feeder per line leaving the busbar', () => {
    const c = compileNetwork(base())
    expect(c.busIds[c.order[0]!]).toBe('LV')
    const pos = new Map(Array.from(c.order, (b, i) => [b, i]))
    for (let b = 0; b < c.busIds.length; b++)
      if (c.parent[b]! >= 0) expect(pos.get(c.parent[b]!)!).toBeLessThan(pos.get(b)!)
    expect(c.feeders.map((f) => f.id)).toEqual(['LV-F1.1', 'LV-F2.1'])
    expect(Array.from(c.householdBus, (b) => c.feederOfBus[b])).toEqual([0, 0, 1, 1])
  })

  it.each([
    ['CONFIG_GRID_UNKNOWN_BUS', 'lines[1].to', (n: Raw) => (n.lines[1]!.to = 'nowhere'), 'unknown bus "nowhere"'],
    ['CONFIG_GRID_UNKNOWN_BUS', 'households[3].bus', (n: Raw) => (n.households![3]!.bus = 'X'), 'household "3"'],
    ['CONFIG_GRID_UNKNOWN_BUS', 'transformer.bus', (n: Raw) => (n.transformer.bus = 'X'), 'transformer "T1"'],
    [
      'CONFIG_GRID_NOT_RADIAL',
      'lines[4]',
      (n: Raw) => n.lines.push({ ...n.lines[0], id: 'loop', from: 'F1.2', to: 'F2.2' }),
      'line "loop" closes a loop',
    ],
    [
      'CONFIG_GRID_NOT_RADIAL',
      'lines[4]',
      (n: Raw) => n.lines.push({ ...n.lines[0], id: 'twin' }),
      'line "twin" closes a loop',
    ],
    ['CONFIG_GRID_DISCONNECTED', 'buses', (n: Raw) => n.buses.push({ id: 'island' }), 'bus "island" is not reached'],
    ['CONFIG_GRID_DUPLICATE', 'buses[2].id', (n: Raw) => (n.buses[2]!.id = 'F1.1'), 'bus "F1.1" is listed twice'],
    ['CONFIG_GRID_DUPLICATE', 'households[1].id', (n: Raw) => (n.households![1]!.id = '0'), 'household "0"'],
    ['CONFIG_GRID_NO_HOUSEHOLD', 'households', (n: Raw) => (n.households = []), 'no household'],
  ])('%s at %s', (code, field, mutate, message) => {
    const n = JSON.parse(JSON.stringify(base()))
    mutate(n)
    const e = errorOf(() => compileNetwork(parseNetwork(n)))
    expect(e.code).toBe(code)
    expect(e.field).toBe(field)
    expect(e.shortMessage).toContain(message)
  })
})

describe('compileNetwork on random trees (fast-check)', () => {
  const treeArb = fc
    .integer({ min: 2, max: 30 })
    .chain((n) => fc.tuple(...Array.from({ length: n - 1 }, (_, i) => fc.integer({ min: 0, max: i }))))
  const tree = (parents: readonly number[]): GridNetwork => ({
    ...base(),
    transformer: { id: 'T', bus: 'B0', ratingKva: 100, vscPercent: 4, vscrPercent: 1 },
    buses: Array.from({ length: parents.length + 1 }, (_, b) => ({ id: `B${b}` })),
    lines: parents.map((p, i) => ({ ...base().lines[0]!, id: `L${i}`, from: `B${p}`, to: `B${i + 1}` })),
    households: [{ id: 'h', bus: `B${parents.length}` }],
  })

  it('accepts every tree, and rejects it once any extra line joins two of its buses', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), fc.nat(), (parents, a, b) => {
        const net = tree(parents)
        const c = compileNetwork(net)
        expect(c.order.length).toBe(parents.length + 1)
        const n = parents.length + 1
        const [x, y] = [a % n, b % n]
        const extra = { ...net.lines[0]!, id: 'extra', from: `B${x}`, to: `B${y}` }
        const e = errorOf(() => compileNetwork({ ...net, lines: [...net.lines, extra] }))
        expect(e.code).toBe('CONFIG_GRID_NOT_RADIAL')
      }),
    )
  })
})
