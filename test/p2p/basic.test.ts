import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signCancel } from '../../src/core/order/signOrder.js'
import { verifyAnnouncement } from '../../src/core/protocol/index.js'
import { bookFor, DOMAIN, MARKET, type Net, outcomesFor, startNet, submitAll, upcomingInterval } from './harness.js'

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

  it("carries the quorum's signed votes: each one a household's signature of the agreed root", async () => {
    const { k, outcomes } = await oneInterval(net)
    const registered = new Set(net.hs.map((h) => h.account))
    for (const o of outcomes) {
      const { attestations, needed } = o.quorum
      expect(attestations.length).toBeGreaterThanOrEqual(needed)
      expect(new Set(attestations.map((a) => a.account)).size).toBe(attestations.length)
      for (const a of attestations) {
        expect(registered.has(a.account)).toBe(true)
        const body = {
          market: MARKET,
          interval: k,
          setHash: a.setHash,
          root: o.root,
          tradeCount: 0,
          account: a.account,
        }
        expect(verifyAnnouncement(DOMAIN, { body, signature: a.signature })).toBe(a.account)
      }
    }
  })

  it('every node is bound to a household and nothing was rejected', () => {
    for (const node of net.nodes) {
      const s = node.stats()
      expect(s.boundPeers).toBeGreaterThan(0)
      expect(Object.keys(s.validation).filter((key) => key.includes(':reject:'))).toEqual([])
    }
  })
})

describe('a cancel before gate closure', () => {
  let net: Net
  beforeAll(async () => {
    net = await startNet({ n: 3 })
  })
  afterAll(() => net?.stop())

  it('withdraws the order on every node', async () => {
    const k = upcomingInterval(net.clock)
    const done = outcomesFor(net.nodes, k)
    const book = bookFor(net.hs, k)
    await submitAll(net.nodes, book)
    const cancel = signCancel(net.hs[1]!.key, DOMAIN, {
      market: MARKET,
      interval: k,
      account: net.hs[1]!.account,
      orderId: book[1]!.id,
    })
    await net.nodes[1]!.submitCancel(cancel)
    const outcomes = await done
    expect(new Set(outcomes.map((o) => o.root)).size).toBe(1)
    for (const o of outcomes) {
      expect(o.agreed).toBe(true)
      expect(o.cancels).toHaveLength(1)
      for (const t of o.result.trades) expect(t.buyId).not.toBe(book[1]!.id)
    }
  })
})
