import { tally } from './agreement.js'
import { adopt, announce, attestationsFor, clockDeadline } from './agreementSteps.js'
import type { IntervalState } from './intervalState.js'
import { connectedPeers, type MarketContext } from './marketContext.js'
import { fetchResults } from './reconcileClient.js'
import type { IntervalOutcome } from './types.js'

/**
 * After an interval agreed (on time or late), earlier intervals still decided without a quorum (a partition
 * that healed, results lost) ask up to three connected households that voted with us for the results they
 * hold: with them a quorum may form late, and `confirmLate` confirms or repairs the interval.
 */
export function catchUp(ctx: MarketContext, agreed: IntervalState): void {
  const root = agreed.results.get(ctx.account)
  const connected = connectedPeers(ctx)
  const peers = [...agreed.results]
    .filter(([a, r]) => a !== ctx.account && r === root)
    .flatMap(([a]) => ctx.bindings.peerOf(a) ?? [])
    .filter((p) => connected.has(p))
    .slice(0, 3)
  for (const st of ctx.states.values()) {
    if (st.k < agreed.k && st.late) ctx.tasks.track(askForResults(ctx, st, peers, ctx.tasks.signal))
  }
}

async function askForResults(ctx: MarketContext, st: IntervalState, peers: readonly string[], signal: AbortSignal) {
  for (const peer of peers) {
    if (!st.late) return
    try {
      await fetchResults(ctx, st, peer, signal)
    } catch (err) {
      ctx.log('results request to %s failed %e', peer, err)
    }
    if (st.late) confirmLate(ctx, st, st.late)
  }
  // A quorum that was already known but whose repair failed (a slow peer, a deadline) is tried again.
  if (st.late) confirmLate(ctx, st, st.late)
}

/**
 * An interval decided without a quorum is emitted again, once, when results arriving later form a quorum: on
 * our own root (confirmed), or on another root that we then reproduce by reconciliation (repaired). The
 * settlement batcher may settle it then.
 */
export function confirmLate(ctx: MarketContext, st: IntervalState, prev: IntervalOutcome): void {
  const t = tally(st.results, ctx.rulesAt(st.k).quorum)
  if (t.quorumRoot === undefined) return
  st.late = undefined
  if (t.quorumRoot === prev.root) {
    emitLate(ctx, st, prev, prev, false)
    return
  }
  // A quorum formed on another root after we decided: repair to it (the same checks as before deciding).
  const root = t.quorumRoot
  const signal = ctx.tasks.signal
  ctx.tasks.track(
    (async () => {
      const by = clockDeadline(ctx, ctx.init.clock.now() + ctx.timing.resultWindowMs, signal)
      const c = await adopt(ctx, st, root, by.signal).finally(() => by.abort())
      if (!c) {
        st.late = prev
        return
      }
      await announce(ctx, st, c)
      const repaired = { ...prev, root: c.result.root, result: c.result, orders: c.orders, cancels: c.cancels }
      emitLate(ctx, st, { ...repaired, setHash: c.setHash }, prev, true)
    })(),
  )
}

function emitLate(
  ctx: MarketContext,
  st: IntervalState,
  base: IntervalOutcome,
  prev: IntervalOutcome,
  adopted: boolean,
): void {
  const t = tally(st.results, ctx.rulesAt(st.k).quorum)
  ctx.metrics.interval(adopted ? 'adopted_late' : 'agreed_late')
  const { reason: _reason, ...rest } = base
  const quorum = {
    ...prev.quorum,
    votesForRoot: t.votes.get(base.root) ?? 0,
    voters: t.voters,
    quorumRoot: t.quorumRoot,
    attestations: attestationsFor(st, t.quorumRoot),
  }
  const outcome: IntervalOutcome = { ...rest, agreed: true, adopted: adopted || base.adopted, quorum }
  for (const cb of ctx.listeners.result) cb(outcome)
  catchUp(ctx, st)
}
