import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bookFor, type Net, outcomesFor, startNet, submitAll, testClock, upcomingInterval } from './harness.js'

describe('50 honest nodes on loopback', () => {
  let net: Net
  beforeAll(async () => {
    // A slower clock (one interval = 20 s real): 50 nodes share this process's two cores for all their crypto.
    net = await startNet({ n: 50, degree: 5, clock: testClock(3) })
  }, 120_000)
  afterAll(() => net?.stop())

  it('all 50 agree on one root over the 50-order book, within the memory budget', async () => {
    const k = upcomingInterval(net.clock, 30_000)
    // A node that decided before the quorum formed (CPU-starved run) repairs afterwards: allow it time.
    const done = outcomesFor(net.nodes, k, 60_000, 15_000)
    await submitAll(net.nodes, bookFor(net.hs, k))
    const outcomes = await done
    expect(new Set(outcomes.map((o) => o.root)).size).toBe(1)
    // Every node agreed on one root; a node starved of CPU may have dropped a non-trading order whose digests
    // reached it late (below the support threshold in its view): that cannot change the root, and every
    // traded order is in every node's set, so settlement is unaffected.
    expect(outcomes.filter((o) => !o.agreed).map((o) => o.reason)).toEqual([])
    const traded = new Set(outcomes[0]!.result.trades.flatMap((t) => [t.buyId, t.sellId]))
    for (const o of outcomes) {
      const held = new Set(o.orders.map((x) => x.id))
      for (const id of traded) expect(held.has(id)).toBe(true)
    }
    expect(outcomes.filter((o) => o.orders.length === 50).length).toBeGreaterThanOrEqual(26)
    // All nodes share this process: its RSS divided by 50 bounds the per-node footprint.
    expect(process.memoryUsage().rss / 50 / 2 ** 20).toBeLessThan(120)
  }, 100_000)
})
