import type { Order, VerifiedOrder } from '../../src/core/order/types.js'
import type { MarketNetwork } from '../../src/node/ports.js'

/**
 * The `equivocate` fault as a wrapper of a node's network port: every order the household publishes for an interval
 * in the fault goes out together with a twin in the same (account, interval, nonce) slot, signed with the
 * household's key, one Wh smaller (larger for 1 Wh). Every peer's p2p node then sees two orders in each of the
 * household's slots of that interval and, by the core's book selection, clears none of them, as fast mode does. The
 * twin is deterministic (RFC 6979 signatures), so a republished order republishes the same twin.
 *
 * @example
 * const network = equivocatingNetwork(p2p, (interval) => interval === 1_500_000, (o) => signOrder(key, domain, o))
 */
export function equivocatingNetwork(
  inner: MarketNetwork,
  equivocates: (interval: number) => boolean,
  sign: (order: Order) => VerifiedOrder,
): MarketNetwork {
  return {
    start: () => inner.start(),
    stop: () => inner.stop(),
    async publishOrder(order) {
      await inner.publishOrder(order)
      if (!equivocates(Number(order.order.interval))) return
      const q = order.order.quantityWh
      await inner.publishOrder(sign({ ...order.order, quantityWh: q > 1n ? q - 1n : q + 1n }))
    },
    onOrder: (h) => inner.onOrder(h),
    onOutcome: (h) => inner.onOutcome(h),
    peerCount: () => inner.peerCount(),
  }
}
