import { decodeGossip, type GossipMessage } from '../../src/core/protocol/index.js'
import type { MarketNode } from '../../src/p2p/createMarketNode.js'
import { decodedGossip } from '../../src/p2p/messageId.js'
import { Verdict } from '../../src/p2p/validation.js'

/** First byte of a gossip message that carries a digest (protobuf field 3, length-delimited). */
const DIGEST_TAG = 0x1a

/**
 * Counts, per period interval, the digests of other households a node has accepted from gossip, for the runner's
 * pacing (simulated time must not reach an interval's clearing before every node holds every digest of it). Reads
 * the decoding the node's message-id function already made; only a digest it did not cache is decoded again.
 */
export function heldDigests(node: MarketNode, firstInterval: number): Map<number, number> {
  const held = new Map<number, number>()
  node.libp2p.services.pubsub.addEventListener('message', (evt) => {
    const data = evt.detail.data
    if (data[0] !== DIGEST_TAG) return
    const cached = decodedGossip(data)
    let m: GossipMessage | undefined
    if (cached) m = cached.verdict === Verdict.Accept ? cached.value : undefined
    else {
      try {
        m = decodeGossip(data)
      } catch {
        return
      }
    }
    if (m?.type !== 'digest') return
    const k = Number(m.digest.body.interval) - firstInterval
    held.set(k, (held.get(k) ?? 0) + 1)
  })
  return held
}
