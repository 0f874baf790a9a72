import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { concat, type Hex, hexToBytes, keccak256, stringToHex } from 'viem'
import { prepareDomain } from '../core/order/eip712.js'
import { marketTopic } from '../core/protocol/index.js'
import { byteCounter } from './byteCounter.js'
import { pinoComponentLogger } from './componentLogger.js'
import { createLibp2pNode } from './createLibp2pNode.js'
import { envelopeTopic } from './envelopeCodec.js'
import type { MarketComponents } from './marketContext.js'
import { type MarketService, marketService } from './marketService.js'
import { fastMessageId, marketMessageId } from './messageId.js'
import type { IntervalOutcome, MarketNode, MarketNodeInit } from './types.js'

export {
  type AgreementTiming,
  DEFAULT_TIMING,
  type IntervalOutcome,
  type MarketNode,
  type MarketNodeInit,
  type MarketNodeStats,
  type OrderSource,
  type ResultAttestation,
} from './types.js'

/**
 * A household's market node: a libp2p node (TCP, Noise, Yamux, gossipsub) running the market service (gossip of
 * signed orders with a validation pipeline, peer/account binding, digest reconciliation at gate closure,
 * deterministic clearing and agreement on result roots). See docs/p2p.md.
 *
 * @example
 * const node = await createMarketNode({ privateKey, domain, market, marketTime, clock, registry,
 *   clearing: { rule: 'k-da', retailPrice: 300_000n, feedInPrice: 80_000n }, bootstrap })
 * node.onResult((r) => console.log(r.interval, r.root, r.agreed))
 * await node.start()
 * await node.submitOrder(signOrder(privateKey, domain, order))
 */
export async function createMarketNode(init: MarketNodeInit): Promise<MarketNode> {
  const peerKey = init.peerKey ?? (await derivePeerKey(init.privateKey))
  const domain = prepareDomain(init.domain)
  const bytes = byteCounter()
  let market: MarketService | undefined
  const libp2p = await createLibp2pNode<{ market: MarketService }>({
    privateKey: peerKey,
    listen: init.listen ?? ['/ip4/0.0.0.0/tcp/0'],
    ...(init.bootstrap ? { bootstrap: init.bootstrap } : {}),
    mdns: init.mdns ?? false,
    scoredTopics: [marketTopic(init.market), ...(init.grid?.envelopes ? [envelopeTopic(init.market)] : [])],
    // Bound households rank above anonymous relays when the mesh is chosen; equivocators below zero.
    appSpecificScore: (peer) => market?.peerScore(peer) ?? 0,
    metrics: bytes.metrics,
    ...(init.logger ? { logger: pinoComponentLogger(init.logger) } : {}),
    ...(init.faults ? { denyPeer: (p: PeerId) => init.faults!.isBlocked(p) } : {}),
    ...init.libp2p,
    gossip: { ...init.libp2p?.gossip, msgIdFn: (msg) => marketMessageId(domain, msg), fastMsgIdFn: fastMessageId },
    // libp2p adds each service to the components of those declared after it: the market finds `pubsub` there.
    services: { market: (components) => marketService(init)(components as unknown as MarketComponents) },
  })
  const service = libp2p.services.market
  market = service
  const node: MarketNode = {
    peerId: libp2p.peerId,
    account: service.account,
    libp2p,
    multiaddrs: () => libp2p.getMultiaddrs(),
    start: async () => libp2p.start(),
    stop: async () => libp2p.stop(),
    submitOrder: (signed) => service.submitOrder(signed),
    submitCancel: (signed) => service.submitCancel(signed),
    publishEnvelope: (signed) => service.publishEnvelope(signed),
    hasOrder: (id) => service.hasOrder(id),
    onResult: (cb) => service.onResult(cb),
    onOrder: (cb) => service.onOrder(cb),
    onDisagreement: (cb) => service.onDisagreement(cb),
    results: (signal) => outcomes(node, signal),
    stats: () => ({
      peers: libp2p.getPeers().length,
      bytesSent: bytes.counts.sent,
      bytesReceived: bytes.counts.received,
      ...service.stats(),
    }),
  }
  return node
}

async function* outcomes(node: MarketNode, signal?: AbortSignal): AsyncIterable<IntervalOutcome> {
  const queue: IntervalOutcome[] = []
  let wake: (() => void) | undefined
  const off = node.onResult((o) => {
    queue.push(o)
    wake?.()
  })
  try {
    while (!signal?.aborted) {
      const next = queue.shift()
      if (next) {
        yield next
        continue
      }
      await new Promise<void>((r) => {
        wake = r
        signal?.addEventListener('abort', () => r(), { once: true })
      })
    }
  } finally {
    off()
  }
}

/** The default libp2p identity of a household: an Ed25519 key derived from its account key. */
export async function derivePeerKey(privateKey: Hex): Promise<PrivateKey> {
  const seed = hexToBytes(keccak256(concat([stringToHex('gridlet libp2p identity v1'), privateKey])))
  return generateKeyPairFromSeed('Ed25519', seed)
}
