import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Side } from '../../src/core/order/types.js'
import { encodeGossip, marketTopic } from '../../src/core/protocol/index.js'
import { gateClosureMs } from '../../src/core/time/interval.js'
import { pubsubOf } from '../../src/p2p/createLibp2pNode.js'
import { faultInjector, seededRandom } from '../../src/p2p/faults.js'
import {
  bookFor,
  dialWithRetry,
  MARKET,
  makeOrder,
  type Net,
  outcomeOf,
  outcomesFor,
  sleep,
  startNet,
  submitAll,
  TIME,
  upcomingInterval,
  waitForMesh,
} from './harness.js'

describe('10 nodes with 10% of gossip frames dropped and 10% delayed', () => {
  let net: Net
  beforeAll(async () => {
    net = await startNet({
      n: 10,
      faults: (i) => faultInjector({ dropRate: 0.1, delayRate: 0.1, delayMs: [10, 80], random: seededRandom(i + 1) }),
    })
  })
  afterAll(() => net?.stop())

  it('every node still clears the full book to the agreed root, two intervals running', async () => {
    for (let round = 0; round < 2; round++) {
      const k = upcomingInterval(net.clock)
      const done = outcomesFor(net.nodes, k)
      const book = bookFor(net.hs, k)
      await submitAll(net.nodes, book)
      const outcomes = await done
      expect(new Set(outcomes.map((o) => o.root)).size).toBe(1)
      expect(outcomes.every((o) => o.agreed && o.orders.length === 10)).toBe(true)
    }
  })
})

describe('a partition that heals (4 | 2 of 6 households)', () => {
  let net: Net
  const a = [0, 1, 2, 3]
  const b = [4, 5]
  const injectors = Array.from({ length: 6 }, () => faultInjector())
  beforeAll(async () => {
    net = await startNet({ n: 6, faults: (i) => injectors[i] })
  })
  afterAll(() => net?.stop())

  it('the majority side agrees, the minority reports no quorum, all agree after healing, and the minority catches up', async () => {
    // Partition: each side refuses the other's connections and drops what is in flight.
    for (const i of a) for (const j of b) block(i, j)
    await Promise.all(
      net.nodes.flatMap((n, i) =>
        net.nodes.map((m, j) => (sideOf(i) !== sideOf(j) ? n.libp2p.hangUp(m.peerId).catch(() => {}) : undefined)),
      ),
    )
    const k1 = upcomingInterval(net.clock)
    const split = outcomesFor(net.nodes, k1)
    await submitAll(net.nodes, bookFor(net.hs, k1))
    const during = await split
    for (const i of a) expect(during[i]).toMatchObject({ agreed: true })
    for (const i of b) expect(during[i]).toMatchObject({ agreed: false, reason: 'NO_QUORUM' })
    expect(during[0]!.orders).toHaveLength(4)
    expect(during[4]!.orders).toHaveLength(2)

    // Heal and reconnect. Once an interval agrees again, the minority fetches the results of the partitioned one
    // and repairs it to the majority's root: a late, agreed outcome.
    const caughtUp = Promise.all(b.map((j) => outcomeOf(net.nodes[j]!, k1, 40_000)))
    for (const f of injectors) f.blocked.clear()
    await Promise.all(b.map((j) => dialWithRetry(net.nodes[j]!, net.nodes[a[j - 4]!]!)))
    await waitForMesh(net.nodes)
    await sleep(1500)
    const k2 = upcomingInterval(net.clock)
    const healed = outcomesFor(net.nodes, k2)
    await submitAll(net.nodes, bookFor(net.hs, k2))
    const after = await healed
    expect(new Set(after.map((o) => o.root)).size).toBe(1)
    expect(after.every((o) => o.agreed && o.orders.length === 6)).toBe(true)
    for (const o of await caughtUp) {
      expect(o).toMatchObject({ agreed: true, adopted: true, root: during[0]!.root })
      expect(o.orders).toHaveLength(4)
    }
  })

  const sideOf = (i: number) => (a.includes(i) ? 'a' : 'b')
  function block(i: number, j: number) {
    injectors[i]!.blocked.add(net.nodes[j]!.peerId.toString())
    injectors[j]!.blocked.add(net.nodes[i]!.peerId.toString())
  }
})

describe('late orders', () => {
  let net: Net
  beforeAll(async () => {
    net = await startNet({ n: 3 })
  })
  afterAll(() => net?.stop())

  it('an order arriving after gate closure is ignored by all, without penalty, and not cleared', async () => {
    const k = upcomingInterval(net.clock)
    const done = outcomesFor(net.nodes, k)
    await submitAll(net.nodes, bookFor(net.hs, k).slice(0, 2))
    // Household 2 signs its bid only after the gate closed (+ skew) and pushes it onto the topic directly.
    const closedAt = gateClosureMs(TIME, Number(k)) + TIME.maxSkewS * 1000
    await net.clock.sleepUntil(closedAt + 500)
    const late = makeOrder(net.hs[2]!, k, Side.Buy, 900n, 250_000n)
    await pubsubOf(net.nodes[2]!.libp2p).publish(marketTopic(MARKET), encodeGossip({ type: 'order', order: late }))
    const outcomes = await done
    expect(new Set(outcomes.map((o) => o.root)).size).toBe(1)
    for (const o of outcomes) {
      expect(o.agreed).toBe(true)
      expect(o.orders.map((x) => x.id)).not.toContain(late.id.toLowerCase())
    }
    for (const n of net.nodes.slice(0, 2)) {
      expect(n.stats().validation['orders:ignore:LATE']).toBe(1)
      expect(Object.keys(n.stats().validation).some((key) => key.includes(':reject:'))).toBe(false)
    }
  })
})
