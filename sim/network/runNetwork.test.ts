import { describe, expect, it } from 'vitest'
import { planOrders } from '../fast/plan.js'
import { clearCommunity } from '../fast/run.js'
import { assembleCommunity } from '../households/assemble.js'
import { realDataSource } from '../households/sources.js'
import { parseScenario, type ScenarioInput } from '../scenario/schema.js'
import { runNetwork } from './run.js'

/**
 * Network mode with the scenario's faults (acting only on the nodes' network ports, sim/network/faultyNetwork.ts)
 * and a low-voltage network: the real nodes clear what fast mode clears, and the power flow of what they metered
 * over Modbus gives fast mode's grid KPIs.
 */
describe('runNetwork with faults and a network', () => {
  const input: ScenarioInput = {
    name: 'network-faults-grid',
    seed: 21,
    // 10:00 Sydney standard time, mid-summer: households 0-2 (PV) sell, 3 and 4 buy in every interval.
    period: { start: '2013-01-15T00:00:00Z', days: 1, intervals: 6 },
    tariff: { retail: 250_000, feedIn: 70_000 },
    households: { count: 5, pv: { share: 0.5, kWp: { min: 4, max: 6 } } },
    faults: [
      { kind: 'offline', households: [1], fromInterval: 1, toInterval: 2 },
      // Then the equivocator keeps its gossip penalty (out of its peers' meshes) for the rest of the run: its later
      // orders must still reach every node.
      { kind: 'equivocate', households: [3], fromInterval: 3, toInterval: 3 },
    ],
    network: { feeders: 2 },
    output: { trades: 'all' },
  }

  it('gives fast mode trades, roots and grid KPIs, all agreed', async () => {
    const s = parseScenario(input)
    const c = assembleCommunity(s, realDataSource())
    const fast = await clearCommunity(s, c)
    const honest = await clearCommunity(parseScenario({ ...input, faults: [] }), c)
    // the faults change the market only in their intervals (at 2, household 1's sell would not have traded)
    const changed = fast.roots.flatMap((r, k) => (r === honest.roots[k] ? [] : [k]))
    expect(changed).toEqual([1, 3])
    const net = await runNetwork(s, c, { realIntervalMs: 1500 })
    expect(net.roots).toEqual(fast.roots)
    expect(net.trades).toEqual(fast.trades)
    const n = net.network
    // what went out: every planned order (the offline household's never left its node) plus the equivocator's twins
    const plan = planOrders(s, c)
    const twins = plan.start[3 * c.T + 4]! - plan.start[3 * c.T + 3]! // household 3's orders of interval 3
    expect(twins).toBeGreaterThan(0)
    expect(n?.messagesPublished).toBe(plan.qty.length + twins)
    expect(n?.orderRefusals).toEqual({})
    expect(n?.agreementRate).toBe(1)
    expect(n?.barriersReleased).toBe(0)
    expect(n?.meterMismatches).toBe(0)
    expect(n?.meterMissing).toBe(0)
    // the grid: the same power flow of the same metered energy, interval by interval
    expect(fast.grid).toBeDefined()
    expect(net.grid?.gridOnly).toEqual(fast.grid?.gridOnly)
    expect(net.grid?.withMarket).toEqual(fast.grid?.withMarket)
    expect(net.grid?.sameInjections).toBe(true)
    expect(net.grid?.detail).toEqual(fast.grid?.detail)
    expect(net.grid?.withMarket.lossesKwh).toBeGreaterThan(0)
  }, 300_000)

  it('refuses a grid-aware market (its clearing is fast mode only), naming the field', async () => {
    const s = parseScenario({ ...input, network: { feeders: 2, market: { fees: [1, 2, 3] } } })
    const c = assembleCommunity(s, realDataSource())
    await expect(runNetwork(s, c)).rejects.toMatchObject({ code: 'SIM_NETWORK_UNSUPPORTED', field: 'network.market' })
  })
})
