import { generateKeyPair } from '@libp2p/crypto/keys'
import { type Hex, keccak256, numberToHex } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeGossip, marketTopic } from '../../src/core/protocol/index.js'
import { gateClosureMs } from '../../src/core/time/interval.js'
import { pubsubOf } from '../../src/p2p/createLibp2pNode.js'
import { createMarketNode, type MarketNode, type MarketNodeInit } from '../../src/p2p/createMarketNode.js'
import { makeResult } from '../../src/p2p/digest.js'
import type { MarketService } from '../../src/p2p/marketService.js'
import { MAX_RESULTS_PER_INTERVAL } from '../../src/p2p/validation.js'
import {
  DOMAIN,
  dialWithRetry,
  type Household,
  households,
  MARKET,
  nodeInit,
  registryOf,
  sleep,
  TIME,
  TIMING,
  testClock,
  upcomingInterval,
} from './harness.js'

const nodes: MarketNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

async function startNode(h: Household, net: Pick<MarketNodeInit, 'clock' | 'registry'>, over = {}) {
  const node = await createMarketNode({ ...nodeInit(h, net), ...over })
  await node.start()
  nodes.push(node)
  return node
}

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await sleep(50)
  }
}

const marketOf = (n: MarketNode) => (n.libp2p.services as unknown as { market: MarketService }).market

const results = (n: MarketNode) =>
  Object.entries(n.stats().validation)
    .filter(([key]) => key.startsWith('results:'))
    .reduce((sum, [, c]) => sum + c, 0)

describe('result announcements of one household', () => {
  it('are accepted and relayed at most MAX_RESULTS_PER_INTERVAL times per interval', async () => {
    // A line: flooder - A - B. B hears the flood only through A.
    const clock = testClock()
    const hs = households(3)
    const registry = registryOf(hs)
    // The nodes' own digests and results come an hour after gate closure: every result counted here is the flood's.
    const late = { timing: { ...TIMING, digestDelayMs: 3_600_000 } }
    const line: MarketNode[] = []
    for (const h of hs) line.push(await startNode(h, { clock, registry }, late))
    const [flooder, a, b] = line
    await dialWithRetry(flooder!, a!)
    await dialWithRetry(b!, a!)
    await until(() => [flooder!, a!, b!].every((n) => n.stats().meshPeers >= 1 && n.stats().boundPeers >= 1))

    // Right after gate closure (results count from then on), before the nodes' own results go out.
    const k = upcomingInterval(clock)
    await clock.sleepUntil(gateClosureMs(TIME, Number(k)) + TIME.maxSkewS * 1000 + 200)
    const flood = 20
    for (let i = 0; i < flood; i++) {
      const result = makeResult(hs[0]!.key, DOMAIN, {
        market: MARKET,
        interval: k,
        setHash: keccak256(numberToHex(i)) as Hex,
        root: keccak256(numberToHex(1000 + i)) as Hex,
        tradeCount: 0,
        account: hs[0]!.account,
      })
      await pubsubOf(flooder!.libp2p).publish(marketTopic(MARKET), encodeGossip({ type: 'result', result }))
    }
    await until(() => (a!.stats().validation['results:reject:RATE_LIMITED'] ?? 0) >= flood - MAX_RESULTS_PER_INTERVAL)
    await sleep(500)
    // A, the flooder's neighbour, took the first ones and rejected the rest (REJECT: from the household's own
    // node); B only ever saw what A relayed.
    expect(a!.stats().validation).toMatchObject({
      'results:accept:ACCEPTED': MAX_RESULTS_PER_INTERVAL,
      'results:reject:RATE_LIMITED': flood - MAX_RESULTS_PER_INTERVAL,
    })
    expect(b!.stats().validation['results:accept:ACCEPTED']).toBe(MAX_RESULTS_PER_INTERVAL)
    expect(results(b!)).toBe(MAX_RESULTS_PER_INTERVAL)
  }, 60_000)
})

describe('peer bindings', () => {
  it('one account binds at most maxPeersPerAccount peers, and a binding ends with its connection', async () => {
    const clock = testClock()
    const hs = households(2)
    const registry = registryOf(hs)
    const target = await startNode(hs[0]!, { clock, registry })
    // Three nodes of household 1, each with its own libp2p identity.
    const sybils: MarketNode[] = []
    for (let i = 0; i < 3; i++) {
      sybils.push(await startNode(hs[1]!, { clock, registry }, { peerKey: await generateKeyPair('Ed25519') }))
    }
    for (const s of sybils) await dialWithRetry(s, target)
    await until(() => (target.stats().bindings.BOUND ?? 0) + (target.stats().bindings.TOO_MANY_PEERS ?? 0) >= 3)
    expect(target.stats().boundPeers).toBe(2)
    expect(target.stats().bindings).toMatchObject({ BOUND: 2, TOO_MANY_PEERS: 1 })
    const bound = sybils.filter((s) => marketOf(target).peerScore(s.peerId.toString()) > 0)
    expect(bound).toHaveLength(2)

    await target.libp2p.hangUp(bound[0]!.peerId)
    await until(() => target.stats().bindings.FORGOTTEN === 1)
    expect(target.stats().boundPeers).toBe(1)
    expect(marketOf(target).peerScore(bound[0]!.peerId.toString())).toBe(0)
  }, 60_000)
})
