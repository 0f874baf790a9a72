import { keccak256 } from 'viem'
import { encodeGossip } from '../core/protocol/index.js'
import { nextOpenInterval } from '../core/time/interval.js'
import { type Tally, tally } from './agreement.js'
import {
  adopt,
  announce,
  type Cleared,
  clearSet,
  clockDeadline,
  outcomeOf,
  recordOwnResult,
  waitUntil,
} from './agreementSteps.js'
import { makeDigest, sortIds } from './digest.js'
import type { IntervalState } from './intervalState.js'
import { catchUp } from './lateCatchUp.js'
import { type MarketContext, publish } from './marketContext.js'
import { reconcileSet } from './reconcileClient.js'

/**
 * Starts one agreement run per interval, each at the gate closure of the previous one, until `signal` aborts.
 *
 * @example
 * ctx.tasks.track(scheduleIntervals(ctx, ctx.tasks.signal))
 */
export async function scheduleIntervals(ctx: MarketContext, signal: AbortSignal): Promise<void> {
  let k = BigInt(nextOpenInterval(ctx.init.marketTime, ctx.init.clock.now()))
  while (!signal.aborted) {
    ctx.tasks.track(runInterval(ctx, k, signal))
    await ctx.init.clock.sleepUntil(ctx.times.acceptUntil(k), signal)
    k++
  }
}

/** This household's fixed place in the announcement spread, in [0, 1). */
export function jitterOf(account: string): number {
  return Number.parseInt(keccak256(account as `0x${string}`).slice(2, 10), 16) / 2 ** 32
}

/**
 * One interval from gate closure to decision: freeze and announce the on-time set, reconcile to the set of
 * f + 1 supported ids, clear it and announce the root, wait for a quorum, adopt the quorum's set if ours differs,
 * decide.
 */
export async function runInterval(ctx: MarketContext, k: bigint, signal: AbortSignal): Promise<void> {
  const { clock } = ctx.init
  const { times, timing } = ctx
  const jitter = jitterOf(ctx.account)
  await clock.sleepUntil(times.freezeAt(k), signal)
  const st = ctx.states.at(k)
  const frozen = sortIds(st.onTime)
  const digest = makeDigest(
    ctx.init.privateKey,
    ctx.domain,
    ctx.account,
    ctx.init.market,
    k,
    frozen,
    ctx.init.digestListMax ?? 0,
  )
  st.sets.set(digest.body.setHash, frozen)
  st.digests.set(ctx.account, digest.body.setHash)
  // Households announce spread over the first half of the window, not all in the same instant.
  await clock.sleepUntil(times.freezeAt(k) + Math.floor((jitter * timing.digestWindowMs) / 2), signal)
  await publish(ctx, encodeGossip({ type: 'digest', digest }), times.clearAt(k))

  await clock.sleepUntil(times.clearAt(k), signal)
  const fetchBy = clockDeadline(ctx, times.clearAt(k) + timing.resultWindowMs / 2, signal)
  const { wanted, unreachable } = await reconcileSet(ctx, st, fetchBy.signal).finally(() => fetchBy.abort())
  signal.throwIfAborted()
  const ids = wanted.filter((id) => !unreachable.has(id))
  let cleared = clearSet(ctx, st, ids)
  st.cleared = ids
  const result = recordOwnResult(ctx, st, cleared)
  await clock.sleepUntil(times.clearAt(k) + Math.floor((jitter * timing.resultWindowMs) / 2), signal)
  await publish(ctx, result, times.staleAfter(k))

  const quorate = () => tally(st.results, ctx.rulesAt(st.k).quorum).quorumRoot !== undefined
  await waitUntil(ctx, st, quorate, times.decideAt(k), signal)
  let t = tally(st.results, ctx.rulesAt(st.k).quorum)
  let adopted = false
  if (t.quorumRoot !== undefined && t.quorumRoot !== cleared.result.root) {
    const adoptBy = clockDeadline(ctx, times.decideAt(k) + timing.resultWindowMs, signal)
    const again = await adopt(ctx, st, t.quorumRoot, adoptBy.signal).finally(() => adoptBy.abort())
    signal.throwIfAborted()
    if (again) {
      cleared = again
      adopted = true
      await announce(ctx, st, cleared)
      t = tally(st.results, ctx.rulesAt(st.k).quorum)
    }
  }
  decide(ctx, st, cleared, t, adopted)
}

/** Emits the interval's outcome; an interval decided without a quorum for our root waits for late results. */
function decide(ctx: MarketContext, st: IntervalState, c: Cleared, t: Tally, adopted: boolean): void {
  st.decided = true
  const outcome = outcomeOf(ctx, st, c, t, adopted)
  ctx.metrics.interval(
    outcome.agreed ? (adopted ? 'adopted' : 'agreed') : outcome.reason === 'NO_QUORUM' ? 'no_quorum' : 'disagree',
  )
  if (!outcome.agreed) {
    st.late = outcome
    const { votesForRoot, voters, needed } = outcome.quorum
    ctx.log.error(
      'interval %s not agreed: root %s has %d of %d votes, %d needed',
      st.k,
      c.result.root,
      votesForRoot,
      voters,
      needed,
    )
    for (const cb of ctx.listeners.disagreement) cb(outcome)
  }
  for (const cb of ctx.listeners.result) cb(outcome)
  ctx.states.pruneBefore(st.k - 8n)
  if (outcome.agreed) catchUp(ctx, st)
}
