import type { VerifiedOrder } from '../../src/core/order/types.js'
import type { MarketNetwork, NetworkOutcome } from '../../src/node/ports.js'

/** What one node's network port saw, for the runner's pacing and statistics. */
export interface NetworkTally {
  /** Distinct own orders that went out to the p2p node. */
  published: number
  /** The same per period interval. */
  readonly sentByK: Map<number, number>
  /** Orders this node holds per period interval (its own that went out and its peers'). */
  readonly held: Map<number, Set<string>>
  /** Orders the p2p node refused to publish, by error code. */
  readonly submitFailures: Record<string, number>
}

export function emptyTally(): NetworkTally {
  return { published: 0, sentByK: new Map(), held: new Map(), submitFailures: {} }
}

/**
 * The node's p2p adapter, wrapped to tell the runner what the node published, holds and concluded. It sits right
 * around the p2p adapter, inside the fault wrappers: it counts what reached the network.
 *
 * @example
 * const tally = emptyTally()
 * const network = reportingNetwork(p2p, firstInterval, tally, (o) => post(o))
 */
export function reportingNetwork(
  inner: MarketNetwork,
  firstInterval: number,
  tally: NetworkTally,
  onOutcome: (o: NetworkOutcome) => void,
): MarketNetwork {
  const periodK = (o: VerifiedOrder) => Number(o.order.interval) - firstInterval
  const hold = (o: VerifiedOrder) => {
    const k = periodK(o)
    const ids = tally.held.get(k) ?? new Set()
    tally.held.set(k, ids.add(o.id))
  }
  return {
    start: () => inner.start(),
    stop: () => inner.stop(),
    async publishOrder(order) {
      try {
        await inner.publishOrder(order)
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'OTHER'
        tally.submitFailures[code] = (tally.submitFailures[code] ?? 0) + 1
        throw err
      }
      const v = order as VerifiedOrder
      const k = periodK(v)
      if (!tally.held.get(k)?.has(v.id)) {
        tally.published++
        tally.sentByK.set(k, (tally.sentByK.get(k) ?? 0) + 1)
      }
      hold(v)
    },
    onOrder: (h) =>
      inner.onOrder((o) => {
        hold(o)
        h(o)
      }),
    onOutcome: (h) =>
      inner.onOutcome((o) => {
        onOutcome(o)
        h(o)
      }),
    peerCount: () => inner.peerCount(),
  }
}
