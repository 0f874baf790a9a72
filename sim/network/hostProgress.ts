import type { RunningNode } from '../../src/node/startNode.js'
import type { FromHost } from './protocol.js'
import type { NetworkTally } from './reportingNetwork.js'

/** What the progress poller reads of one hosted household. */
export interface ProgressSource {
  readonly h: number
  readonly node: RunningNode
  readonly tally: NetworkTally
  /** Digests of other households this node holds per period interval. */
  readonly digests: () => Map<number, number> | undefined
}

/**
 * Tells the runner, per household and interval, once the node has decided and published all its orders of it (the
 * store says so; `published` is what reached the network), and the fewest orders and digests any node of this host
 * holds per interval; `finished` once every node has summarised the last interval. Polled, not per message: a few
 * store queries per household and poll, so 25 nodes per thread stay cheap. Returns a stop function.
 *
 * @example
 * const stop = reportProgress(households, { firstInterval, T }, post)
 */
export function reportProgress(
  households: readonly ProgressSource[],
  period: { readonly firstInterval: number; readonly T: number },
  post: (m: FromHost) => void,
): () => void {
  const { firstInterval, T } = period
  const decidedUpTo = households.map(() => 0)
  const reportedMin = new Map<number, number>()
  const reportedDigests = new Map<number, number>()
  const postRising = (reported: Map<number, number>, k: number, min: number, type: 'orders' | 'digests') => {
    if (min <= (reported.get(k) ?? 0)) return
    reported.set(k, min)
    post({ type, k, min })
  }
  let polls = 0
  const timer = setInterval(() => {
    households.forEach((r, i) => {
      for (let k = decidedUpTo[i]!; k < T; k++) {
        const interval = firstInterval + k
        if (!r.node.store.hasDecision(interval)) break
        if (r.node.store.ownOrders(interval).some((o) => o.publishedMs === null)) break
        post({ type: 'decided', h: r.h, k, published: r.tally.sentByK.get(k) ?? 0 })
        decidedUpTo[i] = k + 1
      }
    })
    const from = Math.max(0, Math.min(...decidedUpTo) - 2)
    const upTo = Math.max(...decidedUpTo)
    for (let k = from; k < Math.min(T, upTo); k++) {
      postRising(reportedMin, k, Math.min(...households.map((r) => r.tally.held.get(k)?.size ?? 0)), 'orders')
    }
    for (let k = from; k < Math.min(T, upTo + 1); k++) {
      postRising(reportedDigests, k, Math.min(...households.map((r) => r.digests()?.get(k) ?? 0)), 'digests')
    }
    const last = firstInterval + T - 1
    if (++polls % 10 === 0 && households.every((r) => r.node.store.recentSummaries(1)[0]?.interval === last)) {
      clearInterval(timer)
      post({ type: 'finished' })
    }
  }, 50)
  return () => clearInterval(timer)
}
