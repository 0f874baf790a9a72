import type { Hex } from 'viem'
import { GridletError } from '../core/errors.js'
import { clear } from '../core/market/clear.js'
import type { ClearingResult } from '../core/market/types.js'
import type { SignedCancel, VerifiedOrder } from '../core/order/types.js'
import { encodeGossip, setHash } from '../core/protocol/index.js'
import type { Tally } from './agreement.js'
import { registeredFor } from './binding.js'
import { makeResult } from './digest.js'
import { addOwnResult } from './handlers.js'
import type { IntervalState } from './intervalState.js'
import { type MarketContext, peersByPreference, publish } from './marketContext.js'
import { fetchClearedSet } from './reconcileClient.js'
import type { IntervalOutcome, ResultAttestation } from './types.js'

/*
 * The steps the interval run and the late catch-up share: clearing a set, announcing its result, adopting the
 * quorum's set, and the waits on the injected clock.
 */

/** A set of the interval cleared: the result with the orders and cancels it came from. */
export interface Cleared {
  readonly result: ClearingResult
  readonly orders: readonly VerifiedOrder[]
  readonly cancels: readonly SignedCancel[]
  readonly setHash: Hex
}

/** Clears the held orders and cancels among `ids` (sorted) with the core's matcher. */
export function clearSet(ctx: MarketContext, st: IntervalState, ids: readonly Hex[]): Cleared {
  const orders = ids.flatMap((id) => st.orders.get(id) ?? [])
  const cancels = ids.flatMap((id) => st.cancels.get(id) ?? [])
  const params = {
    ...ctx.init.clearing,
    interval: st.k,
    lengthS: ctx.init.marketTime.lengthS,
    escrow: ctx.init.escrow?.(st.k),
  }
  const grid = ctx.init.grid?.envelopes?.gridAt(st.k) ?? ctx.init.grid?.clearing
  return { result: clear(orders, params, cancels, grid), orders, cancels, setHash: setHash(ids) }
}

/** Signs and records our result for the interval; returns the encoded announcement to publish. */
export function recordOwnResult(ctx: MarketContext, st: IntervalState, c: Cleared): Uint8Array {
  const result = makeResult(ctx.init.privateKey, ctx.domain, {
    market: ctx.init.market,
    interval: st.k,
    setHash: c.setHash,
    root: c.result.root,
    tradeCount: c.result.trades.length,
    account: ctx.account,
  })
  const data = encodeGossip({ type: 'result', result })
  addOwnResult(st, result, data)
  return data
}

/** Signs, records and publishes our result for the interval. */
export async function announce(ctx: MarketContext, st: IntervalState, c: Cleared): Promise<void> {
  await publish(ctx, recordOwnResult(ctx, st, c), ctx.times.staleAfter(st.k))
}

/**
 * Re-reconciles to the set a quorum cleared: asks the root's voters for the ids they cleared, fetches what is
 * missing, re-clears, and keeps it only if it reproduces the root (the peer is never trusted: the root a quorum
 * of households signed is the check).
 */
export async function adopt(
  ctx: MarketContext,
  st: IntervalState,
  root: Hex,
  signal: AbortSignal,
): Promise<Cleared | undefined> {
  ctx.metrics.reconcile('adopt_attempt')
  const voters = [...st.results]
    .filter(([a, r]) => r === root && a !== ctx.account)
    .flatMap(([a]) => ctx.bindings.peerOf(a) ?? [])
  for (const peer of peersByPreference(ctx, voters).slice(0, 4)) {
    try {
      const ids = await fetchClearedSet(ctx, st, peer, signal)
      if (!ids) continue
      const c = clearSet(ctx, st, ids)
      if (c.result.root === root) {
        st.cleared = ids
        ctx.metrics.reconcile('adopted')
        return c
      }
    } catch (err) {
      ctx.log('adoption request to %s failed %e', peer, err)
    }
  }
  return undefined
}

/** The signed votes held for `root`: what an attested settlement submits. */
export function attestationsFor(st: IntervalState, root: Hex | undefined): ResultAttestation[] {
  if (root === undefined) return []
  const out: ResultAttestation[] = []
  for (const [account, r] of st.results) {
    const vote = st.votes.get(account)
    if (r === root && vote) out.push({ account, setHash: vote.setHash, signature: vote.signature })
  }
  return out
}

/** The outcome of an interval cleared as `c`, under tally `t`. */
export function outcomeOf(
  ctx: MarketContext,
  st: IntervalState,
  c: Cleared,
  t: Tally,
  adopted: boolean,
): IntervalOutcome {
  const agreed = t.quorumRoot === c.result.root
  return {
    interval: st.k,
    root: c.result.root,
    result: c.result,
    orders: c.orders,
    cancels: c.cancels,
    setHash: c.setHash,
    agreed,
    adopted,
    quorum: {
      needed: ctx.rulesAt(st.k).quorum,
      votesForRoot: t.votes.get(c.result.root) ?? 0,
      voters: t.voters,
      registered: registeredFor(ctx.init.registry, st.k).size,
      quorumRoot: t.quorumRoot,
      attestations: attestationsFor(st, t.quorumRoot),
    },
    ...(agreed ? {} : { reason: t.quorumRoot === undefined ? 'NO_QUORUM' : 'DISAGREE' }),
  }
}

/** An abort controller that fires when the clock reaches `untilMs` (or `signal` aborts); abort it when done. */
export function clockDeadline(ctx: MarketContext, untilMs: number, signal: AbortSignal): AbortController {
  const c = new AbortController()
  const stop = AbortSignal.any([signal, c.signal])
  ctx.init.clock.sleepUntil(untilMs, stop).then(
    () => c.abort(new GridletError('deadline passed', { code: 'P2P_DEADLINE', details: `clock ${untilMs}` })),
    () => c.abort(signal.reason),
  )
  return c
}

/** Waits until `done()` holds (checked whenever the interval changes) or the clock reaches `untilMs`. */
export async function waitUntil(
  ctx: MarketContext,
  st: IntervalState,
  done: () => boolean,
  untilMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (done() || ctx.init.clock.now() >= untilMs) return
  // One timer for the whole wait, not one per wake-up: every result of the interval wakes it.
  const stop = new AbortController()
  let slept = false
  const sleep = ctx.init.clock
    .sleepUntil(untilMs, AbortSignal.any([signal, stop.signal]))
    .catch(() => {})
    .then(() => {
      slept = true
    })
  try {
    while (!slept && !done() && ctx.init.clock.now() < untilMs) {
      await Promise.race([st.changed, sleep])
      signal.throwIfAborted()
    }
  } finally {
    stop.abort(WAIT_OVER)
  }
}

/** The reason a finished wait cancels its timer with (a reason given, abort creates no DOMException). */
const WAIT_OVER = new GridletError('wait over', { code: 'P2P_DEADLINE', details: 'condition met' })
