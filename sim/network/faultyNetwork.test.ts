import { describe, expect, it } from 'vitest'
import { selectBook } from '../../src/core/market/index.js'
import { signOrder } from '../../src/core/order/signOrder.js'
import type { VerifiedOrder } from '../../src/core/order/types.js'
import { verifyOrder } from '../../src/core/order/verifyOrder.js'
import type { MarketNetwork } from '../../src/node/ports.js'
import { householdKeys, marketContext, orderFor } from '../market/context.js'
import { parseScenario } from '../scenario/schema.js'
import { faultyNetwork } from './faultyNetwork.js'

const FIRST = 2_000_000
const s = parseScenario({
  name: 'faults',
  seed: 1,
  period: { start: '2013-01-15T00:00:00Z', days: 1 },
  tariff: { retail: 250_000, feedIn: 70_000 },
  households: { count: 3 },
  faults: [
    { kind: 'offline', households: [1], fromInterval: 1, toInterval: 2 },
    { kind: 'equivocate', households: [2], fromInterval: 4, toInterval: 4 },
  ],
})
const ctx = marketContext(s, FIRST)
const keys = householdKeys(3)
const sign = (h: number) => (o: Parameters<typeof signOrder>[2]) => signOrder(keys[h]!, ctx.domain, o)
const order = (h: number, k: number, nonce = 0) => sign(h)(orderFor(ctx, h, k, h === 0 ? 1 : 0, 500, 200_000, nonce))

/** A network port that records what the node published and lets the test deliver peers' orders. */
function recordingNetwork() {
  const published: VerifiedOrder[] = []
  const handlers: ((o: VerifiedOrder) => void)[] = []
  const network: MarketNetwork = {
    start: async () => {},
    stop: async () => {},
    publishOrder: async (o) => {
      published.push(o as VerifiedOrder)
    },
    onOrder: (h) => handlers.push(h),
    onOutcome: () => {},
    peerCount: () => 2,
  }
  return {
    network,
    published,
    deliver: (o: VerifiedOrder) => {
      for (const h of handlers) h(o)
    },
  }
}

const wrap = (h: number, inner: MarketNetwork) =>
  faultyNetwork(inner, { scenario: s, h, firstInterval: FIRST, sign: sign(h) })

describe('faultyNetwork', () => {
  it('gives a household in no fault its network port itself', () => {
    const { network } = recordingNetwork()
    expect(wrap(0, network)).toBe(network)
  })

  it('offline: the household publishes and receives nothing for the fault intervals, all else as always', async () => {
    const rec = recordingNetwork()
    const net = wrap(1, rec.network)
    const got: VerifiedOrder[] = []
    net.onOrder((o) => got.push(o))
    for (let k = 0; k < 4; k++) await net.publishOrder(order(1, k))
    expect(rec.published.map((o) => Number(o.order.interval) - FIRST)).toEqual([0, 3])
    for (let k = 0; k < 4; k++) rec.deliver(order(0, k))
    expect(got.map((o) => Number(o.order.interval) - FIRST)).toEqual([0, 3])
    expect(net.peerCount()).toBe(2)
  })

  it('equivocate: each order of a fault interval goes out with a valid twin in its slot, and peers clear neither', async () => {
    const rec = recordingNetwork()
    const net = wrap(2, rec.network)
    await net.publishOrder(order(2, 3))
    expect(rec.published).toHaveLength(1)
    const [a, b] = [order(2, 4, 0), order(2, 4, 1)]
    await net.publishOrder(a)
    await net.publishOrder(b)
    // republishing (a node that regains its peers) sends the same twin again: a peer sees no third order
    await net.publishOrder(a)
    const out = rec.published.slice(1)
    expect(out.map((o) => o.order.nonce)).toEqual([0n, 0n, 1n, 1n, 0n, 0n])
    expect(new Set(out.map((o) => o.id)).size).toBe(4)
    expect(out[5]?.id).toBe(out[1]?.id)
    for (const o of out) expect(verifyOrder(o, { domain: ctx.domain, market: ctx.market }).id).toBe(o.id)
    expect(out[1]?.order.quantityWh).not.toBe(a.order.quantityWh)
    // the core's book selection, as every peer runs it: the equivocator's slots are void, an honest order stays
    const honest = order(0, 4)
    const book = selectBook([...out, honest], [], { interval: BigInt(FIRST + 4) })
    expect(book.map((o) => o.id)).toEqual([honest.id])
  })
})
