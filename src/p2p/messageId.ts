import { hash } from 'node:crypto'
import type { Message } from '@libp2p/gossipsub'
import { hashCancelBytes, hashOrderBytes, type PreparedDomain } from '../core/order/eip712.js'
import { decodeGossip, type GossipMessage } from '../core/protocol/index.js'
import { accept, type Judgement } from './validation.js'

/**
 * Decoded gossip messages by their bytes: gossipsub hands the same `data` array to the message-id function and
 * then to the validator, so each message is decoded once.
 */
const decodedCache = new WeakMap<Uint8Array, Judgement<GossipMessage>>()

/** The decoding the message-id function made of `data`, if it could decode it. */
export function decodedGossip(data: Uint8Array): Judgement<GossipMessage> | undefined {
  return decodedCache.get(data)
}

/**
 * sha256 of each message's bytes, as the fast message id computed it: the message id of a digest or result is the
 * same hash, so it is not computed twice.
 */
const sha256Cache = new WeakMap<Uint8Array, Uint8Array>()

/**
 * Gossip message id = content id: an order's EIP-712 hash (so the same order published twice, or re-signed, is
 * one message), a cancel's EIP-712 hash, sha256 of the bytes for digests, results and undecodable junk.
 *
 * @example
 * gossipsub({ msgIdFn: (msg) => marketMessageId(domain, msg) })
 */
export function marketMessageId(domain: PreparedDomain, msg: Message): Uint8Array {
  try {
    const m = decodeGossip(msg.data)
    decodedCache.set(msg.data, accept(m))
    if (m.type === 'order') return hashOrderBytes(domain, m.order.order)
    if (m.type === 'cancel') return hashCancelBytes(domain, m.cancel.cancel)
  } catch {
    // junk still needs an id so gossip can drop and score it
  }
  return sha256Cache.get(msg.data) ?? hash('sha256', msg.data, 'buffer')
}

/**
 * Duplicates are recognised by a hash of their bytes before anything else is done with them (decoding, the
 * content id): every copy of a message arrives once per mesh peer.
 */
export function fastMessageId(rpc: { data?: Uint8Array }): string {
  // The one-shot hash: a Hash object per received copy cost a third more.
  const digest = hash('sha256', rpc.data ?? new Uint8Array(0), 'buffer')
  if (rpc.data) sha256Cache.set(rpc.data, digest)
  return digest.toString('base64')
}
