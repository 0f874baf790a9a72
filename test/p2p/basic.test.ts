import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bookFor, type Net, outcomesFor, startNet, submitAll, upcomingInterval } from './harness.js'

async function oneInterval(net: Net) {
  const k = upcomingInterval(net.clock)
  const done = outcomesFor(net.nodes, k)
  const book = bookFor(net.hs, k)
  await submitAll(net.nodes, book)
  return { k, book, outcomes: await done }
}

describe.each([3, 10])('%i honest nodes', (n) => {
  let net: Net
  beforeAll(async () => {
    net = await startNet({ n })
  })
  afterAll(() => net?.stop())

  it('every node clears the full book to the same agreed root', async () => {
    const { book, outcomes } = await oneInterval(net)
    expect(new Set(outcomes.map((o) => o.root)).size).toBe(1)
    for (const o of outcomes) {
      expect(o.agreed).toBe(true)
      expect(o.adopted).toBe(false)
      expect(o.quorum.votesForRoot).toBeGreaterThanOrEqual(o.quorum.needed)
      expect(o.orders.map((x) => x.id).sort()).toEqual(book.map((x) => x.id.toLowerCase()).sort())
    }
    expect(outcomes[0]!.result.trades.length).toBeGreaterThan(0)
  })

  it('every node is bound to a household and nothing was rejected', () => {
    for (const node of net.nodes) {
      const s = node.stats()
      expect(s.boundPeers).toBeGreaterThan(0)
      expect(Object.keys(s.validation).filter((key) => key.includes(':reject:'))).toEqual([])
    }
  })
})
