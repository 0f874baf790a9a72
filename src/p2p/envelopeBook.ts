import type { Address, Hex } from 'viem'
import type { GridClearing } from '../core/market/grid.js'
import type { SignedEnvelope } from '../core/market/operatingEnvelope.js'
import type { MarketDomain } from '../core/order/types.js'
import { gateClosureMs, intervalAt, type MarketTime } from '../core/time/interval.js'

/**
 * The rules of a market's operating envelopes (docs/protocol.md, "Operating envelopes"). Every node of the market
 * must use the same values: they decide which envelope is in force for an interval.
 */
export interface EnvelopeRules {
  /** The grid operator's address: only envelopes it signed are accepted. */
  readonly operator: Address
  readonly domain: MarketDomain
  readonly market: Hex
  readonly time: MarketTime
  /**
   * An envelope for interval k is accepted until the gate closure of interval k − `leadIntervals` (default 1): a
   * whole interval before k's own gate closure, so it has reached every node when k is cleared.
   */
  readonly leadIntervals?: number
  /** Envelopes for intervals more than this many ahead of the current one are ignored (default 96). */
  readonly maxAheadIntervals?: number
}

/** An accepted envelope: its EIP-712 digest, the signed message, and the grid input with its limits in place. */
export interface HeldEnvelope {
  readonly interval: bigint
  readonly digest: Hex
  readonly signed: SignedEnvelope
  readonly grid: GridClearing
}

/**
 * The grid input of a node's clearing: the network's fees and static limits, and, when the market has a grid
 * operator, the envelopes that replace the limits per interval.
 */
export interface MarketGrid {
  readonly clearing: GridClearing
  readonly envelopes?: EnvelopeBook
}

/** Intervals behind the current one whose envelope is kept: a late re-clearing (adoption, catch-up) needs it. */
const KEEP_BEHIND = 8n

/**
 * The envelope in force per interval: of the operator's envelopes for it that arrived before its deadline, the one
 * with the lowest digest. The rule does not depend on arrival order, and a node keeps one envelope per interval.
 * Only the handler (`add`) changes it.
 *
 * @example
 * const book = new EnvelopeBook(grid, { operator, domain, market, time })
 * clear(orders, params, cancels, book.gridAt(k))
 */
export class EnvelopeBook {
  private readonly held = new Map<bigint, HeldEnvelope>()
  readonly leadIntervals: number
  readonly maxAheadIntervals: number

  constructor(
    readonly base: GridClearing,
    readonly rules: EnvelopeRules,
  ) {
    this.leadIntervals = rules.leadIntervals ?? 1
    this.maxAheadIntervals = rules.maxAheadIntervals ?? 96
  }

  /** The last instant (clock ms, inclusive) an envelope for interval `k` is accepted. */
  deadline(k: bigint): number {
    return gateClosureMs(this.rules.time, Number(k) - this.leadIntervals)
  }

  /**
   * The last instant the operator should publish an envelope for `k`: the deadline less twice the tolerated clock
   * skew and 10 s for gossip, so that it reaches every node before every node's deadline.
   */
  publishBy(k: bigint): number {
    return this.deadline(k) - 2 * this.rules.time.maxSkewS * 1000 - 10_000
  }

  /** Whether `k` lies beyond the envelope window at `nowMs`. */
  tooFarAhead(k: bigint, nowMs: number): boolean {
    return k > BigInt(intervalAt(this.rules.time, nowMs)) + BigInt(this.maxAheadIntervals)
  }

  /** The envelope in force for `k` so far. */
  at(k: bigint): HeldEnvelope | undefined {
    return this.held.get(k)
  }

  /** The grid input to clear interval `k` with: the envelope's limits if one is in force, else the network's. */
  gridAt(k: bigint): GridClearing {
    return this.held.get(k)?.grid ?? this.base
  }

  get size(): number {
    return this.held.size
  }

  /** Keeps `e` if it is the first or the lowest digest for its interval (true), and forgets old intervals. */
  add(e: HeldEnvelope, nowMs: number): boolean {
    const prev = this.held.get(e.interval)
    if (prev && prev.digest <= e.digest) return false
    this.held.set(e.interval, e)
    const oldest = BigInt(intervalAt(this.rules.time, nowMs)) - KEEP_BEHIND
    for (const k of this.held.keys()) if (k < oldest) this.held.delete(k)
    return true
  }
}
