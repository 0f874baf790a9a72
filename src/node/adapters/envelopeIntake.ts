import { type Hex, isAddressEqual } from 'viem'
import { GridletError } from '../../core/errors.js'
import { envelopeSigner, hashEnvelope, type SignedEnvelope } from '../../core/market/operatingEnvelope.js'
import type { TakenEnvelope } from '../../http/postEnvelope.js'
import type { MarketNode } from '../../p2p/createMarketNode.js'
import type { EnvelopeBook } from '../../p2p/envelopeBook.js'

/**
 * Hands a grid operator's signed envelope (from `POST /api/envelope`) to the market's gossip. In this order:
 * the market has a grid operator (`NODE_ENVELOPE_NO_OPERATOR`), the envelope is signed by it
 * (`NODE_ENVELOPE_FORBIDDEN`: the signature is the request's authentication, checked before anything else looks
 * at it), it is not the envelope in force already (then nothing is sent: `published: false`), the node has a
 * peer (`NODE_ENVELOPE_NO_PEERS`: a node cut off from the market would hold limits no peer gets), then
 * `node.publishEnvelope` judges it as every peer will (`P2P_ENVELOPE_LATE`, `P2P_ENVELOPE_REFUSED`) and gossips
 * it once the mesh has formed (a peer whose subscription has not arrived yet gets it too).
 *
 * @example
 * const taken = await takeEnvelope({ book, node }, signed)
 */
export async function takeEnvelope(
  deps: { readonly book: EnvelopeBook | undefined; readonly node: MarketNode | undefined },
  signed: SignedEnvelope,
): Promise<TakenEnvelope> {
  const { book, node } = deps
  if (!book) {
    throw new GridletError('this market has no grid operator', {
      code: 'NODE_ENVELOPE_NO_OPERATOR',
      field: 'market.grid.operator',
      details: "set market.grid.operator in every node's config to follow the operator's envelopes",
    })
  }
  const signer = envelopeSigner(book.rules.domain, signed)
  if (!signer || !isAddressEqual(signer, book.rules.operator)) {
    throw new GridletError('the envelope is not signed by the grid operator', {
      code: 'NODE_ENVELOPE_FORBIDDEN',
      field: 'signature',
      details: `signed by ${signer ?? 'no valid key'} for this market's domain, expected ${book.rules.operator}`,
    })
  }
  const digest = hashEnvelope(book.rules.domain, signed.envelope).toLowerCase() as Hex
  const interval = signed.envelope.interval
  if (book.at(interval)?.digest === digest) return { interval, digest, published: false }
  if (!node) throw new GridletError('the p2p network is not started', { code: 'NODE_P2P_NOT_STARTED' })
  if (node.stats().peers === 0) {
    throw new GridletError('the node has no peer', {
      code: 'NODE_ENVELOPE_NO_PEERS',
      details: 'the node is not connected to the market: retry once it has peers (gridlet status)',
    })
  }
  const held = await node.publishEnvelope(signed)
  return { interval, digest: held.digest, published: true }
}
