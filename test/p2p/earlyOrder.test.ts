import { afterAll, describe, expect, it } from 'vitest'
import { Side } from '../../src/core/order/types.js'
import { createMarketNode, type MarketNode, type OrderSource } from '../../src/p2p/createMarketNode.js'
import {
  connect,
  households,
  makeOrder,
  nodeInit,
  registryOf,
  testClock,
  upcomingInterval,
  waitForMesh,
  waitForOrders,
} from './harness.js'

describe('an order submitted before the gossip mesh formed', () => {
  const nodes: MarketNode[] = []
  afterAll(() => Promise.all(nodes.map((n) => n.stop())))

  it('is gossiped to the peers once they subscribe, long before gate closure', async () => {
    // Real-time clock: the gate of the order's interval is minutes away, so only gossip (not the reconciliation
    // at gate closure) can bring it to the peers within the test.
    const clock = testClock(1)
    const hs = households(3)
    const registry = registryOf(hs)
    for (const h of hs) {
      const node = await createMarketNode(nodeInit(h, { clock, registry }))
      await node.start()
      nodes.push(node)
    }
    const order = makeOrder(hs[0]!, upcomingInterval(clock, 120_000), Side.Sell, 500n, 100_000n)
    // Node 0 has no peer at all: gossipsub would mark the order seen and never send it.
    await nodes[0]!.submitOrder(order)
    expect(nodes[0]!.stats().publish.held).toBe(1)

    const sources = nodes.map(() => new Map<string, OrderSource>())
    nodes.forEach((n, i) => {
      n.onOrder((o, s) => sources[i]!.set(o.id.toLowerCase(), s))
    })
    await connect(nodes, 2)
    await waitForMesh(nodes)
    await waitForOrders(nodes, [order.id], 10_000)
    expect(nodes[0]!.stats().publish.retried).toBeGreaterThanOrEqual(1)
    for (const i of [1, 2]) expect(sources[i]!.get(order.id.toLowerCase())).toBe('gossip')
  }, 60_000)
})
