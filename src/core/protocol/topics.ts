import type { Hex } from 'viem'

/** Version of the wire protocol; a new version gets new topics, so old and new nodes never mix messages. */
export const PROTOCOL_VERSION = 1

/**
 * The gossip topic of a market: `/gridlet/<market id hex>/<version>/orders`. Orders, cancels, digests and result
 * announcements all travel on it (see docs/protocol.md).
 */
export function marketTopic(market: Hex): string {
  return `/gridlet/${market.toLowerCase()}/${PROTOCOL_VERSION}/orders`
}

/** The request/response protocol peers use to fetch messages they are missing (reconciliation). */
export const RECONCILE_PROTOCOL = `/gridlet/reconcile/${PROTOCOL_VERSION}.0.0`
