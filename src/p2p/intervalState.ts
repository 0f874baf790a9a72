import type { Address, Hex } from 'viem'
import type { SignedCancel, VerifiedOrder } from '../core/order/types.js'
import { gateClosureMs, type MarketTime } from '../core/time/interval.js'
import type { AgreementTiming, IntervalOutcome } from './types.js'

/** What a node holds about one market interval, from its first order to its decision. */
export interface IntervalState {
  readonly k: bigint
  readonly orders: Map<Hex, VerifiedOrder>
  readonly cancels: Map<Hex, SignedCancel>
  /** Encoded gossip message of every held order and cancel, served to peers that reconcile. */
  readonly encoded: Map<Hex, Uint8Array>
  /** Ids (orders and cancels) received before gate closure: what our digest lists. */
  readonly onTime: Set<Hex>
  /** Order ids per (account, nonce) slot: two ids in one slot prove equivocation. */
  readonly slots: Map<string, Set<Hex>>
  /** Each household's digest: the set it froze, named by hash. */
  readonly digests: Map<Address, Hex>
  /** Ids of the frozen sets known here, by set hash: our own, listed in digests, or fetched and checked. */
  readonly sets: Map<Hex, readonly Hex[]>
  /** Each household's latest result root (what `tally` counts). */
  readonly results: Map<Address, Hex>
  /** The announcement behind each entry of `results`. */
  readonly votes: Map<Address, ResultVote>
  /** Distinct roots accepted from each household (bounded by the validator: MAX_RESULTS_PER_INTERVAL). */
  readonly resultCounts: Map<Address, number>
  cleared: Hex[] | undefined
  decided: boolean
  /** Decided without a quorum for our root: results arriving later may confirm it or lead to a repair. */
  late: IntervalOutcome | undefined
  wake: () => void
  changed: Promise<void>
}

/** A household's signed result announcement, as held for an interval. */
export interface ResultVote {
  readonly setHash: Hex
  readonly signature: Hex
  /** The encoded gossip message, served to nodes that catch up. */
  readonly data: Uint8Array
}

/** The key of an order's slot in `IntervalState.slots`. */
export const slotKey = (account: Address, nonce: bigint) => `${account}:${nonce}`

/** Whether the interval holds the order or cancel `id` (lower-case). */
export const holds = (st: IntervalState, id: Hex) => st.orders.has(id) || st.cancels.has(id)

/**
 * The intervals a node keeps (its current ones and the last few decided), created on first use. Waiters on an
 * interval (`changed`) are woken by `notify` whenever a digest or result arrives.
 */
export class IntervalStates {
  private readonly byK = new Map<bigint, IntervalState>()

  get(k: bigint): IntervalState | undefined {
    return this.byK.get(k)
  }

  /** The state of interval `k`, created empty if new. */
  at(k: bigint): IntervalState {
    let st = this.byK.get(k)
    if (!st) {
      st = {
        k,
        orders: new Map(),
        cancels: new Map(),
        encoded: new Map(),
        onTime: new Set(),
        slots: new Map(),
        digests: new Map(),
        sets: new Map(),
        results: new Map(),
        votes: new Map(),
        resultCounts: new Map(),
        cleared: undefined,
        decided: false,
        late: undefined,
        wake: () => {},
        changed: Promise.resolve(),
      }
      renew(st)
      this.byK.set(k, st)
    }
    return st
  }

  values(): IterableIterator<IntervalState> {
    return this.byK.values()
  }

  /** Forgets intervals before `k` (a decided interval keeps the 8 before it for late catch-up). */
  pruneBefore(k: bigint): void {
    for (const old of this.byK.keys()) if (old < k) this.byK.delete(old)
  }

  clear(): void {
    this.byK.clear()
  }
}

/** Wakes the waiters of `st` (a digest or result arrived). */
export function notify(st: IntervalState): void {
  const wake = st.wake
  renew(st)
  wake()
}

function renew(st: IntervalState): void {
  st.changed = new Promise<void>((r) => {
    st.wake = r
  })
}

/** The instants (clock ms) of an interval's agreement, after its last accepted instant (closure + skew). */
export interface IntervalTimes {
  acceptUntil(k: bigint): number
  /** Freeze the on-time set and publish the digest. */
  freezeAt(k: bigint): number
  /** Stop collecting digests, fetch what is missing and clear. */
  clearAt(k: bigint): number
  /** Decide with the results received. */
  decideAt(k: bigint): number
  /** Announcements of the interval stop counting (one interval after the decision). */
  staleAfter(k: bigint): number
}

export function intervalTimes(time: MarketTime, timing: AgreementTiming): IntervalTimes {
  const acceptUntil = (k: bigint) => gateClosureMs(time, Number(k)) + time.maxSkewS * 1000
  const freezeAt = (k: bigint) => acceptUntil(k) + timing.digestDelayMs
  const clearAt = (k: bigint) => freezeAt(k) + timing.digestWindowMs
  const decideAt = (k: bigint) => clearAt(k) + timing.resultWindowMs
  return { acceptUntil, freezeAt, clearAt, decideAt, staleAfter: (k) => decideAt(k) + time.lengthS * 1000 }
}
