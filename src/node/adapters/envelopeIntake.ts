import { bytesToHex, type Hex, hexToBytes, isAddressEqual } from 'viem'
import { GridletError } from '../../core/errors.js'
import { hashEnvelope, type SignedEnvelope } from '../../core/market/operatingEnvelope.js'
import { recoverAddress } from '../../core/order/secp256k1.js'
import type { Clock } from '../../core/time/clock.js'
import type { TakenEnvelope } from '../../http/postEnvelope.js'
import { type GridletLibp2p, pubsubOf } from '../../p2p/createLibp2pNode.js'
import type { EnvelopeBook } from '../../p2p/envelopeBook.js'
import { envelopeTopic } from '../../p2p/envelopeCodec.js'
import { publishEnvelope } from '../../p2p/envelopeTopic.js'

/**
 * Hands a grid operator's signed envelope (from `POST /api/envelope`) to the market's gossip. In this order:
 * the market has a grid operator (`NODE_ENVELOPE_NO_OPERATOR`), the envelope is signed by it
 * (`NODE_ENVELOPE_FORBIDDEN`: the signature is the request's authentication, checked before anything else looks
 * at it), it is not the envelope in force already (then nothing is sent: `published: false`), a peer follows the
 * envelope topic (`NODE_ENVELOPE_NO_PEERS`: the node never holds limits its peers could not get), then
 * `publishEnvelope` judges it as every peer will (`P2P_ENVELOPE_LATE`, `P2P_ENVELOPE_REFUSED`) and gossips it.
 *
 * @example
 * const taken = await takeEnvelope({ book, libp2p: node.libp2p, clock }, signed)
 */
export async function takeEnvelope(
  deps: { readonly book: EnvelopeBook | undefined; readonly libp2p: GridletLibp2p | undefined; readonly clock: Clock },
  signed: SignedEnvelope,
): Promise<TakenEnvelope> {
  const { book, libp2p, clock } = deps
  if (!book) {
    throw new GridletError('this market has no grid operator', {
      code: 'NODE_ENVELOPE_NO_OPERATOR',
      field: 'market.grid.operator',
      details: "set market.grid.operator in every node's config to follow the operator's envelopes",
    })
  }
  const digest = hashEnvelope(book.rules.domain, signed.envelope).toLowerCase() as Hex
  const signer = recoverAddress(hexToBytes(digest), hexToBytes(signed.signature))
  if (!signer || !isAddressEqual(bytesToHex(signer), book.rules.operator)) {
    throw new GridletError('the envelope is not signed by the grid operator', {
      code: 'NODE_ENVELOPE_FORBIDDEN',
      field: 'signature',
      details: `signed by ${signer ? bytesToHex(signer) : 'no valid key'} for this market's domain, expected ${book.rules.operator}`,
    })
  }
  const interval = signed.envelope.interval
  if (book.at(interval)?.digest === digest) return { interval, digest, published: false }
  if (!libp2p) throw new GridletError('the p2p network is not started', { code: 'NODE_P2P_NOT_STARTED' })
  const pubsub = pubsubOf(libp2p)
  // publishEnvelope keeps the envelope before it sends: with no peer to send to, this node alone would use it.
  if (pubsub.getSubscribers(envelopeTopic(book.rules.market)).length === 0) {
    throw new GridletError('no peer follows the envelope topic yet', {
      code: 'NODE_ENVELOPE_NO_PEERS',
      details: 'the node is not connected to the market: retry once it has peers (gridlet status)',
    })
  }
  const held = await publishEnvelope({ pubsub, book, nowMs: clock.now() }, signed).catch((cause) => {
    if (cause instanceof GridletError) throw cause
    throw new GridletError('gossip refused the envelope', { code: 'NODE_ENVELOPE_NO_PEERS', cause })
  })
  return { interval, digest: held.digest, published: true }
}
