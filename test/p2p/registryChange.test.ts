import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HouseholdRegistry } from '../../src/p2p/binding.js'
import { bookFor, households, type Net, outcomesFor, startNet, submitAll, upcomingInterval } from './harness.js'

/**
 * The registry changes at a boundary (as the contract's does): before it, four more households are registered
 * that run no node (7 registered: quorum 4, which the 3 nodes cannot reach); from it on they are removed (3: quorum
 * 2). The nodes started with the old registry must use the quorum of the interval they decide.
 */
describe('a registry that shrinks at an interval boundary', () => {
  const hs = households(3)
  const absent = households(4).map((h) => h.account)
  let boundary = 2n ** 62n
  const registry: HouseholdRegistry = {
    get size() {
      return 7
    },
    has: (a) => hs.some((h) => h.account === a) || absent.includes(a),
    at: (k) => {
      const members = new Set<Address>([...hs.map((h) => h.account), ...(k < boundary ? absent : [])])
      return { size: members.size, has: (a) => members.has(a) }
    },
  }
  let net: Net
  beforeAll(async () => {
    net = await startNet({ n: 3, hs, overrides: () => ({ registry }) })
  })
  afterAll(() => net?.stop())

  it("agrees on the boundary interval with that interval's quorum", async () => {
    const k = upcomingInterval(net.clock)
    boundary = k
    const done = outcomesFor(net.nodes, k)
    await submitAll(net.nodes, bookFor(net.hs, k))
    const outcomes = await done
    expect(new Set(outcomes.map((o) => o.root)).size).toBe(1)
    for (const o of outcomes) {
      expect(o.agreed).toBe(true)
      expect(o.quorum.needed).toBe(2)
      expect(o.quorum.registered).toBe(3)
    }
    for (const node of net.nodes)
      expect(Object.keys(node.stats().validation).filter((key) => key.includes(':reject:'))).toEqual([])
  })
})
