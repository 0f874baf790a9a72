import type { MarketNetwork } from '../../src/node/ports.js'

/**
 * The `offline` fault as a wrapper of a node's network port: the household's orders for an interval in the fault
 * never leave the node, and its peers' orders for that interval never reach it. The node decides, signs, stores and
 * publishes as always; a publish resolves as gossip does on a link that lost every peer (the p2p adapter publishes
 * to zero peers without error), so the node marks it sent and moves on. The node keeps its connections and still
 * takes part in the agreement on the other households' orders (the network without it), which is what fast mode
 * clears.
 *
 * @example
 * const network = offlineNetwork(p2p, (interval) => interval >= from && interval <= to)
 */
export function offlineNetwork(inner: MarketNetwork, offline: (interval: number) => boolean): MarketNetwork {
  return {
    start: () => inner.start(),
    stop: () => inner.stop(),
    async publishOrder(order) {
      if (!offline(Number(order.order.interval))) await inner.publishOrder(order)
    },
    onOrder: (h) =>
      inner.onOrder((o) => {
        if (!offline(Number(o.order.interval))) h(o)
      }),
    onOutcome: (h) => inner.onOutcome(h),
    peerCount: () => inner.peerCount(),
  }
}
