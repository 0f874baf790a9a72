import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMarketNode } from '../../src/p2p/createMarketNode.js'
import {
  bookFor,
  dialWithRetry,
  type Net,
  nodeInit,
  outcomesFor,
  startNet,
  submitAll,
  upcomingInterval,
  waitForMesh,
  waitForOrders,
} from './harness.js'

describe('a node restarting mid-interval', () => {
  let net: Net
  beforeAll(async () => {
    net = await startNet({ n: 4 })
  })
  afterAll(() => net?.stop())

  it('fetches the orders it lost and agrees with the others', async () => {
    const k = upcomingInterval(net.clock, 30_000)
    const book = bookFor(net.hs, k)
    await submitAll(net.nodes, book)
    await waitForOrders(
      net.nodes,
      book.map((o) => o.id),
    )
    // Node 3 crashes after its order went out and comes back (same key, same peer id, new port, empty memory)
    // before gate closure: the orders of this interval reach it only through reconciliation.
    const old = net.nodes[3]!
    await old.stop()
    const fresh = await createMarketNode(nodeInit(net.hs[3]!, net))
    await fresh.start()
    expect(fresh.peerId.equals(old.peerId)).toBe(true)
    net.nodes[3] = fresh
    await Promise.all([dialWithRetry(fresh, net.nodes[0]!), dialWithRetry(fresh, net.nodes[1]!)])
    await waitForMesh(net.nodes)
    const outcomes = await outcomesFor(net.nodes, k)
    expect(new Set(outcomes.map((o) => o.root)).size).toBe(1)
    expect(outcomes.every((o) => o.agreed)).toBe(true)
    expect(outcomes[3]!.orders).toHaveLength(4)
    expect(fresh.stats().reconcile.ok).toBeGreaterThan(0)
    // Its set differed from the others': it learnt theirs (digests name sets by hash) by asking for it.
    expect(fresh.stats().reconcile.set_resolved).toBeGreaterThan(0)
  })
})
