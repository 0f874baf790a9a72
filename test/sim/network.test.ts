import { describe, expect, it } from 'vitest'
import { planOrders } from '../../sim/fast/plan.js'
import { clearCommunity } from '../../sim/fast/run.js'
import { assembleCommunity } from '../../sim/households/assemble.js'
import { realDataSource } from '../../sim/households/sources.js'
import { runNetwork } from '../../sim/network/run.js'
import { parseScenario } from '../../sim/scenario/schema.js'
import { settle } from '../../sim/settle.js'

/**
 * The "both modes agree bit for bit": real gridlet nodes (startNode: store, loop, the node's Modbus meter
 * adapter against meter simulators, its p2p adapter on loopback, its settlement batcher and outbox against anvil; in
 * worker threads) and the pure fast mode give the same trades and result roots for the same scenario and seed.
 */
describe('network mode', () => {
  it('gives the same trades and result roots as fast mode, all agreed and settled on chain', async () => {
    const s = parseScenario({
      name: 'network-vs-fast',
      seed: 21,
      // 10:00 Sydney standard time, mid-summer: PV homes sell from the first interval.
      period: { start: '2013-01-15T00:00:00Z', days: 1, intervals: 6 },
      // A time-of-use tariff whose bands change inside the run (local time 10:00-13:00): the nodes get it through
      // their config and clamp each interval's orders with its own prices, as fast mode does.
      tariff: {
        retail: [
          { from: '00:00', to: '11:00', price: 250000 },
          { from: '11:00', to: '24:00', price: 450000 },
        ],
        feedIn: [
          { from: '12:00', to: '24:00', price: 60000 },
          { from: '00:00', to: '12:00', price: 70000 },
        ],
      },
      households: {
        count: 6,
        pv: { share: 0.5, kWp: { min: 4, max: 6 } },
        // Every kind of decision: bid curves (several orders per interval, one nonce each), drawn limits, the oracle.
        forecast: 'seasonal-naive',
        strategy: { name: 'truthful' },
        groups: [
          { households: [0, 1, 2], forecast: 'empirical-profile', strategy: { name: 'forecast-aware' } },
          { households: [3], strategy: { name: 'zi' } },
          { households: [4], forecast: 'perfect' },
        ],
      },
      output: { trades: 'all' },
    })
    const c = assembleCommunity(s, realDataSource())
    expect([...c.retail]).toEqual([250000, 250000, 450000, 450000, 450000, 450000])
    expect([...c.feedIn]).toEqual([70000, 70000, 70000, 70000, 60000, 60000])
    const net = await runNetwork(s, c, { realIntervalMs: 1500 })
    const fast = await clearCommunity(s, c)
    expect(fast.trades?.length).toBeGreaterThan(0)
    // bid curves: households place several orders in an interval (nonces 0, 1, ...), and every node takes them all
    const plan = planOrders(s, c)
    const perSlot = Array.from({ length: s.households.count * c.T }, (_, i) => plan.start[i + 1]! - plan.start[i]!)
    expect(Math.max(...perSlot)).toBeGreaterThan(4)
    // at the peak price some households bid above the first interval's retail price: one flat price would differ
    const peakBids = plan.limit.filter((limit, j) => {
      const slot = plan.start.findLastIndex((start) => start <= j)
      return slot % c.T >= 2 && plan.side[j] === 0 && limit > 250000
    })
    expect(peakBids.length).toBeGreaterThan(0)
    expect(net.network?.messagesPublished).toBe(plan.qty.length)
    expect(net.network?.orderRefusals).toEqual({})
    expect(net.roots).toEqual(fast.roots)
    expect(net.trades).toEqual(fast.trades)
    expect(settle(s.name, c, net).bills).toEqual(settle(s.name, c, fast).bills)
    const n = net.network
    expect(n?.agreementRate).toBe(1)
    // the clock waited for every node at every barrier and never had to give up on one
    expect(n?.barriersReleased).toBe(0)
    expect(n?.intervalsWithTrades).toBeGreaterThan(0)
    expect(n?.settledIntervals).toBe(n?.intervalsWithTrades)
    expect(n?.settlementFailures).toEqual([])
    expect(n?.meterMismatches).toBe(0)
    expect(BigInt(n?.gasUsed ?? 0)).toBeGreaterThan(0n)
    // A busy machine makes the run slower (the clock waits for the nodes), not different: time enough for that.
  }, 300_000)
})
