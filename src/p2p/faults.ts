import type { PeerId } from '@libp2p/interface'
import type { GossipSubInternals } from './createLibp2pNode.js'

/**
 * Fault injection for tests and the benchmark, applied where a node receives: every inbound gossip RPC (a frame
 * of messages and control) is dropped with `dropRate` or held back `delayMs` with `delayRate`, reconciliation
 * requests fail with `dropRate`, and connections to `blocked` peers are refused (a partition). Randomness is
 * injected so a run can be replayed.
 *
 * @example
 * const faults = faultInjector({ dropRate: 0.1, random: seededRandom(7) })
 * createMarketNode({ ..., faults })
 */
export interface FaultInjector {
  dropRate: number
  delayRate: number
  delayMs: readonly [number, number]
  /** Peers (string ids) this node refuses to talk to. */
  readonly blocked: Set<string>
  random(): number
  /** Whether the next message is lost. */
  drop(): boolean
  /** Delay for the next message in real milliseconds (0: none). */
  delay(): number
  isBlocked(peer: PeerId | string): boolean
}

export function faultInjector(
  init: { dropRate?: number; delayRate?: number; delayMs?: [number, number]; random?: () => number } = {},
): FaultInjector {
  const f: FaultInjector = {
    dropRate: init.dropRate ?? 0,
    delayRate: init.delayRate ?? 0,
    delayMs: init.delayMs ?? [10, 100],
    blocked: new Set(),
    random: init.random ?? Math.random,
    drop: () => f.dropRate > 0 && f.random() < f.dropRate,
    delay: () =>
      f.delayRate > 0 && f.random() < f.delayRate ? f.delayMs[0] + f.random() * (f.delayMs[1] - f.delayMs[0]) : 0,
    isBlocked: (peer) => f.blocked.has(peer.toString()),
  }
  return f
}

/** A small deterministic PRNG (mulberry32) for reproducible fault patterns. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Wraps gossipsub's RPC entry point so inbound RPCs suffer the injector's faults; a frame from a blocked peer is
 * always dropped. Returns the function that removes the wrapper.
 */
export function injectGossipFaults(pubsub: GossipSubInternals, faults: FaultInjector): () => void {
  const original = pubsub.handleReceivedRpc.bind(pubsub)
  pubsub.handleReceivedRpc = async (from, rpc) => {
    if (faults.isBlocked(from) || faults.drop()) return
    const wait = faults.delay()
    if (wait > 0) {
      setTimeout(() => original(from, rpc).catch(() => {}), wait)
      return
    }
    return original(from, rpc)
  }
  return () => {
    pubsub.handleReceivedRpc = original
  }
}
