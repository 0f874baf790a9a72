import type { Hex } from 'viem'

/**
 * Gossip topics of one market and protocol version: orders, the digests published at gate closure and the
 * result roots. A node subscribes to exactly the three topics of its market, so other markets' traffic never
 * reaches it; a protocol change bumps the version and gets new topics.
 *
 * @example
 * marketTopics('0xab…').orders // '/gridlet/0xab…/1/orders'
 */
export function marketTopics(market: Hex): { orders: string; digests: string; results: string } {
  const base = `/gridlet/${market.toLowerCase()}/1`
  return { orders: `${base}/orders`, digests: `${base}/digests`, results: `${base}/results` }
}
