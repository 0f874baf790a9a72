import { type Hex, keccak256, numberToHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Side, type SignedOrder, type VerifiedOrder } from '../../src/core/order/types.js'
import { encodeGossip, marketTopic } from '../../src/core/protocol/index.js'
import { gateClosureMs, intervalStartMs } from '../../src/core/time/interval.js'
import { pubsubOf } from '../../src/p2p/createLibp2pNode.js'
import { makeDigest } from '../../src/p2p/digest.js'
import {
  bookFor,
  DOMAIN,
  MARKET,
  makeOrder,
  type Net,
  outcomesFor,
  sleep,
  startNet,
  TIME,
  TIMING,
  upcomingInterval,
} from './harness.js'

/**
 * 7 registered households (f = 2, support threshold 3, quorum 4). Node 6 is Byzantine; household 5 equivocates.
 * Everything happens in one interval; then we check what every honest household (0-4) concluded.
 */
describe('Byzantine peers', () => {
  let net: Net
  const topic = marketTopic(MARKET)
  const BYZ = 6
  const EQUIVOCATOR = 5
  // The equivocation's gossip penalty lasts 3 intervals here (the default is a day).
  const PENALTY = 3
  let k: bigint
  beforeAll(async () => {
    // The Byzantine node publishes its lying digest at gate closure; its own honest digest would come later.
    net = await startNet({
      n: 7,
      overrides: (i) => ({
        equivocationPenaltyIntervals: PENALTY,
        ...(i === BYZ ? { timing: { ...TIMING, digestDelayMs: 10_000 } } : {}),
      }),
    })
  })
  afterAll(() => net?.stop())

  it('honest nodes agree on a result that none of the attacks changed', async () => {
    const byz = net.nodes[BYZ]!
    const publish = (data: Uint8Array) => pubsubOf(byz.libp2p).publish(topic, data)
    const order = (o: SignedOrder) => encodeGossip({ type: 'order', order: o })
    k = upcomingInterval(net.clock, 30_000)
    // Households 0-4 are honest. The equivocator's own node is cut out of its neighbours' meshes once they see
    // the evidence (app score -20), so what it concludes is its problem; we check the honest ones.
    const honest = net.nodes.slice(0, EQUIVOCATOR)
    const done = outcomesFor(honest, k)
    const book = bookFor(net.hs, k).slice(0, EQUIVOCATOR)
    await Promise.all(book.map((o, i) => net.nodes[i]!.submitOrder(o)))

    // Equivocation: household 5 signs two different orders for the same (interval, nonce 0).
    const eqA = makeOrder(net.hs[EQUIVOCATOR]!, k, Side.Sell, 700n, 90_000n)
    const eqB = makeOrder(net.hs[EQUIVOCATOR]!, k, Side.Sell, 700n, 95_000n)
    await net.nodes[EQUIVOCATOR]!.submitOrder(eqA)
    await net.nodes[EQUIVOCATOR]!.submitOrder(eqB)

    // Invalid signature: the Byzantine household's own order with a flipped signature byte.
    const own = makeOrder(net.hs[BYZ]!, k, Side.Buy, 1000n, 290_000n)
    await publish(order({ ...own, signature: flip(own.signature) }))
    // Replay: honest household 0's order, re-published under the Byzantine peer's identity.
    await publish(order(book[0]!))
    // Spam: 40 valid own orders for coming intervals, beyond the per-account rate limit (burst 2 x 16 orders).
    for (let j = 0; j < 40; j++) {
      await publish(order(makeOrder(net.hs[BYZ]!, k + 1n + BigInt(j >> 4), Side.Buy, 100n, 1000n, BigInt(j % 16))))
    }

    // Lying digest, right after gate closure: five ids nobody has, none of the real ones.
    await net.clock.sleepUntil(gateClosureMs(TIME, Number(k)) + TIME.maxSkewS * 1000 + 200)
    const fake = Array.from({ length: 5 }, (_, i) => keccak256(numberToHex(i)) as Hex)
    const lie = makeDigest(net.hs[BYZ]!.key, DOMAIN, net.hs[BYZ]!.account, MARKET, k, fake)
    await publish(encodeGossip({ type: 'digest', digest: lie }))

    const outcomes = await done
    expect(new Set(outcomes.map((o) => o.root)).size).toBe(1)
    expect(outcomes.every((o) => o.agreed)).toBe(true)
    const ids = (o: { orders: readonly VerifiedOrder[] }) => o.orders.map((x) => x.id).sort()
    for (const o of outcomes) {
      // The book: the 5 honest orders (the replayed one once) and both equivocating ones (evidence); no fake id,
      // no badly signed order, none of the spam (it is for later intervals).
      expect(ids(o)).toEqual([...book, eqA, eqB].map((x) => x.id.toLowerCase()).sort())
      // The equivocating slot is excluded from clearing.
      for (const t of o.result.trades) expect([t.buyer, t.seller]).not.toContain(net.hs[EQUIVOCATOR]!.account)
      expect(o.result.trades.length).toBeGreaterThan(0)
    }
    // The Byzantine peer's direct neighbours rejected its invalid and flooding messages.
    const rejects = (code: string) =>
      honest.reduce((n, h) => n + (h.stats().validation[`orders:reject:${code}`] ?? 0), 0)
    expect(rejects('BAD_SIGNATURE')).toBeGreaterThan(0)
    expect(rejects('RATE_LIMITED')).toBeGreaterThan(0)
    expect(honest.reduce((n, h) => n + (h.stats().validation['orders:accept:EQUIVOCATION'] ?? 0), 0)).toBeGreaterThan(0)
  })

  it('the Byzantine peer and the equivocator have a negative score and no mesh place at their neighbours', async () => {
    await sleep(1500) // a gossipsub heartbeat prunes negative-score peers
    const eqId = net.nodes[EQUIVOCATOR]!.peerId.toString()
    for (const n of net.nodes.slice(0, EQUIVOCATOR)) {
      if (n.libp2p.getConnections(net.nodes[EQUIVOCATOR]!.peerId).length === 0) continue
      expect(pubsubOf(n.libp2p).getScore(eqId)).toBeLessThan(0)
      expect(pubsubOf(n.libp2p).getMeshPeers(topic)).not.toContain(eqId)
    }
    const byzId = net.nodes[BYZ]!.peerId.toString()
    const neighbours = net.nodes.slice(0, BYZ).filter((n) => n.libp2p.getConnections(net.nodes[BYZ]!.peerId).length > 0)
    expect(neighbours.length).toBeGreaterThan(0)
    for (const n of neighbours) {
      const ps = pubsubOf(n.libp2p)
      expect(ps.getScore(byzId)).toBeLessThan(0)
      expect(ps.getMeshPeers(topic)).not.toContain(byzId)
    }
  })

  it("the equivocator's penalty expires after its intervals: its neighbours score it positive again", async () => {
    await untilInterval(net, k + BigInt(PENALTY), 1500)
    const eq = net.nodes[EQUIVOCATOR]!
    const neighbours = net.nodes.slice(0, EQUIVOCATOR).filter((n) => n.libp2p.getConnections(eq.peerId).length > 0)
    expect(neighbours.length).toBeGreaterThan(0)
    for (const n of neighbours) expect(pubsubOf(n.libp2p).getScore(eq.peerId.toString())).toBeGreaterThan(0)
  })
})

/** Until the clock is in interval `until` and `ms` of real time more have passed (gossipsub heartbeats). */
async function untilInterval(net: Net, until: bigint, ms: number): Promise<void> {
  await net.clock.sleepUntil(intervalStartMs(TIME, Number(until)))
  await sleep(ms)
}

function flip(sig: Hex): Hex {
  const last = sig.slice(-4, -2) === 'ff' ? '00' : 'ff'
  return `${sig.slice(0, -4)}${last}${sig.slice(-2)}` as Hex
}
