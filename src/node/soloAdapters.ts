import type { Hex } from 'viem'
import type { MarketNetwork, Settlement } from './ports.js'

/**
 * A market network with no peers: orders stay stored and unpublished, nothing is cleared against others. What the
 * node runs with while the p2p adapter is not configured (meter-only monitoring).
 */
export function soloNetwork(): MarketNetwork {
  const roots = new Map<number, Hex>()
  return {
    async start() {},
    async stop() {},
    async publishOrder() {
      throw new Error('no market peers (solo mode)')
    },
    onOrder() {},
    async publishResult(k, root) {
      roots.set(k, root)
    },
    peerRoots: () => [],
    peerCount: () => 0,
  }
}

/** Settlement that accepts nothing: with `chain.submit: none` a node never hands a batch over. */
export function noSettlement(): Settlement {
  return {
    migrate() {},
    enqueue() {
      throw new Error('settlement disabled')
    },
    start() {},
    async stop() {},
    backlog: () => ({ pending: 0, oldestAgeMs: 0 }),
  }
}
