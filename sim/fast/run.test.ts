import { describe, expect, it } from 'vitest'
import { assembleCommunity } from '../households/assemble.js'
import { realDataSource } from '../households/sources.js'
import { runRoot } from '../outcome.js'
import { parseScenario, type ScenarioInput } from '../scenario/schema.js'
import { settle } from '../settle.js'
import { clearCommunity } from './run.js'

const base: ScenarioInput = {
  name: 'fast-test',
  seed: 5,
  period: { start: '2013-01-14T14:00:00Z', days: 2 },
  tariff: { retail: 280000, feedIn: 70000 },
  households: { count: 24, pv: { share: 0.5 } },
  output: { trades: 'all' },
}

describe('fast mode', () => {
  const s = parseScenario(base)
  const c = assembleCommunity(s, realDataSource())

  it('is deterministic, and a parallel run gives the same trades, roots and bills', async () => {
    const a = await clearCommunity(s, c, { workers: 1 })
    const b = await clearCommunity(s, c, { workers: 2 })
    expect(a.trades?.length).toBeGreaterThan(50)
    expect(runRoot(b.roots)).toBe(runRoot(a.roots))
    expect(b.boughtWh).toEqual(a.boughtWh)
    expect([...b.paid]).toEqual([...a.paid])
    expect(settle(s.name, c, b).bills).toEqual(settle(s.name, c, a).bills)
  })

  it('balances the budget: every token a buyer pays, a seller receives', async () => {
    const o = await clearCommunity(s, c)
    const sum = (x: Float64Array) => x.reduce((p, q) => p + q, 0)
    expect(sum(o.paid)).toBe(sum(o.received))
    expect(sum(o.paid)).toBeGreaterThan(0)
    const { kpis } = settle(s.name, c, o)
    // The market can only save money against grid-only, and never beats the pooled perfect-foresight optimum.
    expect(kpis.communityCost).toBeLessThanOrEqual(kpis.gridOnlyCost)
    expect(kpis.communityCost).toBeGreaterThanOrEqual(kpis.optimumCost)
  })

  it('keeps offline and equivocating households out of the market during their fault', async () => {
    const faulty = parseScenario({
      ...base,
      faults: [
        { kind: 'offline', households: [0, 1, 2, 3, 4, 5], fromInterval: 0, toInterval: 95 },
        { kind: 'equivocate', households: [6, 7, 8, 9, 10, 11], fromInterval: 10, toInterval: 60 },
      ],
    })
    const o = await clearCommunity(faulty, c)
    for (let h = 0; h < 6; h++) {
      for (let k = 0; k < c.T; k++) expect(o.boughtWh[h * c.T + k]! + o.soldWh[h * c.T + k]!).toBe(0)
    }
    for (let h = 6; h < 12; h++) {
      for (let k = 10; k <= 60; k++) expect(o.boughtWh[h * c.T + k]! + o.soldWh[h * c.T + k]!).toBe(0)
    }
    expect(o.trades?.length).toBeGreaterThan(0)
  })

  it('changes every result root when the seed changes', async () => {
    const other = parseScenario({ ...base, seed: 6 })
    const a = await clearCommunity(s, c)
    const b = await clearCommunity(other, assembleCommunity(other, realDataSource()))
    expect(runRoot(a.roots)).not.toBe(runRoot(b.roots))
  })
})
