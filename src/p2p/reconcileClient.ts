import type { Address, Hex } from 'viem'
import { GridletError } from '../core/errors.js'
import { encodeGossip, type GossipMessage } from '../core/protocol/index.js'
import { finalSet } from './agreement.js'
import { checkSetIds, sortIds } from './digest.js'
import { addCancel, addOrder, addResult } from './handlers.js'
import { holds, type IntervalState } from './intervalState.js'
import { type MarketContext, peersByPreference } from './marketContext.js'
import { type ReconcileReply, type ReconcileStore, requestReconcile } from './reconcile.js'
import { Verdict, validateFetched, validateFetchedResult } from './validation.js'

/*
 * The reconcile client: what a node asks its peers for over /gridlet/reconcile/1.0.0 (the ids of a set named by
 * its hash, missing orders, the ids a peer cleared, the results it holds), and the store it serves them from.
 * Every fetched message is checked like one from gossip (validation.ts) before a handler adds it.
 */

interface Ask {
  k: bigint
  ids: Hex[]
  wantClearedIds?: boolean
  setHash?: Hex
  wantResults?: boolean
}

/** One request to a connected peer, within the node's reconcile timeout. */
export async function ask(ctx: MarketContext, peer: string, req: Ask, signal: AbortSignal): Promise<ReconcileReply> {
  if (ctx.init.faults?.drop()) {
    ctx.metrics.reconcile('dropped')
    throw new GridletError('reconcile request lost', { code: 'P2P_REQUEST_LOST', details: 'fault injection' })
  }
  const { connectionManager } = ctx.components
  const target = connectionManager.getConnections().find((c) => c.remotePeer.toString() === peer)?.remotePeer
  if (!target) throw new GridletError('peer not connected', { code: 'P2P_NOT_CONNECTED', details: peer })
  ctx.metrics.reconcile('request')
  const host = { dialProtocol: connectionManager.openStream.bind(connectionManager) }
  return requestReconcile(host, target, { market: ctx.init.market, interval: req.k, ...req }, ctx.limits, {
    signal: AbortSignal.any([signal, AbortSignal.timeout(ctx.init.reconcileTimeoutMs ?? 2000)]),
  })
}

/** The peer of a household, if it is bound here (its node presented a binding). */
function peerOf(ctx: MarketContext, account: Address): string | undefined {
  return ctx.bindings.peerOf(account)
}

/** Connected peers bound to a household: they may hold what the announcer is not here to serve. */
function boundNeighbours(ctx: MarketContext): string[] {
  return ctx.components.connectionManager
    .getConnections()
    .map((c) => c.remotePeer.toString())
    .filter((p) => ctx.bindings.accountOf(p) !== undefined)
}

/** Each household's digested set, for those whose ids are known here. */
export function digestSets(st: IntervalState): Map<Address, readonly Hex[]> {
  const out = new Map<Address, readonly Hex[]>()
  for (const [acct, hash] of st.digests) {
    const ids = st.sets.get(hash)
    if (ids) out.set(acct, ids)
  }
  return out
}

/** The interval's set (ids with f + 1 supporters among the digests whose set is known) and what of it we lack. */
export async function reconcileSet(ctx: MarketContext, st: IntervalState, signal: AbortSignal) {
  await resolveSets(ctx, st, signal)
  const wanted = finalSet(digestSets(st), ctx.rulesAt(st.k).maxFaulty)
  return { wanted, unreachable: await fetchMissing(ctx, st, wanted, signal) }
}

/**
 * Fetches the ids of the digested sets that were not listed and are not known here, from households that
 * announced them, then from any bound neighbour (which may have fetched the set itself). The hash signed in the
 * digest is the check: the peer is not trusted. A set nobody serves counts as supporting nothing.
 */
async function resolveSets(ctx: MarketContext, st: IntervalState, signal: AbortSignal): Promise<void> {
  const unknown = new Map<Hex, string[]>()
  for (const [acct, hash] of st.digests) {
    if (st.sets.has(hash)) continue
    const peers = unknown.get(hash) ?? []
    const peer = peerOf(ctx, acct)
    if (peer) peers.push(peer)
    unknown.set(hash, peers)
  }
  if (unknown.size === 0) return
  const bound = boundNeighbours(ctx)
  await Promise.all([...unknown].map(([hash, peers]) => resolveSet(ctx, st, hash, [...peers, ...bound], signal)))
}

async function resolveSet(ctx: MarketContext, st: IntervalState, hash: Hex, peers: string[], signal: AbortSignal) {
  for (const peer of peersByPreference(ctx, peers).slice(0, 4)) {
    if (signal.aborted) return
    try {
      const reply = await ask(ctx, peer, { k: st.k, ids: [], setHash: hash }, signal)
      if (!reply.setIds?.length) continue
      st.sets.set(hash, checkSetIds(reply.setIds, hash))
      ctx.metrics.reconcile('set_resolved')
      return
    } catch (err) {
      ctx.metrics.reconcile('set_failed')
      ctx.log('set request to %s failed %e', peer, err)
    }
  }
}

/** Fetches `ids` from peers that advertised them; returns those still missing. */
export async function fetchMissing(
  ctx: MarketContext,
  st: IntervalState,
  ids: readonly Hex[],
  signal: AbortSignal,
): Promise<Set<Hex>> {
  const missing = new Set(ids.filter((id) => !holds(st, id)))
  if (missing.size === 0) return missing
  const self = ctx.components.peerId.toString()
  const holders = new Map<string, Hex[]>()
  for (const [acct, listed] of digestSets(st)) {
    const peer = peerOf(ctx, acct)
    if (!peer || peer === self) continue
    holders.set(
      peer,
      listed.filter((id) => missing.has(id)),
    )
  }
  // Then any connected household: it may have fetched the order itself.
  for (const p of boundNeighbours(ctx)) if (!holders.has(p)) holders.set(p, [...missing])
  for (const peer of peersByPreference(ctx, holders.keys())) {
    if (missing.size === 0 || signal.aborted) break
    const want = holders.get(peer)!.filter((id) => missing.has(id))
    if (want.length === 0) continue
    try {
      const reply = await ask(ctx, peer, { k: st.k, ids: want }, signal)
      for (const id of acceptFetched(ctx, st, new Set(want), reply.messages)) missing.delete(id)
      ctx.metrics.reconcile('ok')
    } catch (err) {
      ctx.metrics.reconcile('failed')
      ctx.log('reconcile request to %s failed %e', peer, err)
    }
  }
  return missing
}

/** Checks and adds fetched orders and cancels; returns the ids added. */
function acceptFetched(
  ctx: MarketContext,
  st: IntervalState,
  wanted: ReadonlySet<Hex>,
  messages: readonly GossipMessage[],
): Hex[] {
  const rules = {
    domain: ctx.domain,
    market: ctx.init.market,
    registry: ctx.init.registry,
    maxOrdersPerInterval: ctx.maxOrders,
  }
  const added: Hex[] = []
  for (const m of messages) {
    const j = validateFetched(rules, st.k, wanted, m)
    if (j.verdict !== Verdict.Accept) {
      ctx.metrics.reconcile('bad_message')
      continue
    }
    const f = j.value
    if (f.type === 'order') addOrder(ctx, st, f.order, 'reconcile')
    else addCancel(st, f.id, f.cancel, 'reconcile')
    added.push(f.id)
  }
  return added
}

/**
 * The ids `peer` cleared for the interval, with every order and cancel among them fetched: what adoption
 * re-clears. `undefined` if the peer could not provide them all.
 */
export async function fetchClearedSet(
  ctx: MarketContext,
  st: IntervalState,
  peer: string,
  signal: AbortSignal,
): Promise<Hex[] | undefined> {
  const reply = await ask(ctx, peer, { k: st.k, ids: [], wantClearedIds: true }, signal)
  const ids = sortIds(reply.clearedIds ?? [])
  const missing = ids.filter((id) => !holds(st, id))
  if (missing.length > 0) {
    const more = await ask(ctx, peer, { k: st.k, ids: missing }, signal)
    acceptFetched(ctx, st, new Set(missing), more.messages)
  }
  return ids.every((id) => holds(st, id)) ? ids : undefined
}

/**
 * The result announcements `peer` holds for the interval (catch-up). Each is checked like one from gossip,
 * minus timing; it only fills a household's missing vote: a peer may hold an older root of a household that has
 * since repaired.
 */
export async function fetchResults(
  ctx: MarketContext,
  st: IntervalState,
  peer: string,
  signal: AbortSignal,
): Promise<void> {
  const reply = await ask(ctx, peer, { k: st.k, ids: [], wantResults: true }, signal)
  ctx.metrics.reconcile('results_fetched')
  const rules = { domain: ctx.domain, market: ctx.init.market, registry: ctx.init.registry }
  for (const m of reply.results) {
    // Only a missing vote is filled: one of a household already counted is not worth its signature check.
    if (m.type === 'result' && st.results.has(m.result.body.account)) continue
    const j = validateFetchedResult(rules, st.k, m)
    if (j.verdict !== Verdict.Accept) {
      ctx.metrics.reconcile('bad_message')
      continue
    }
    addResult(st, j.value, encodeGossip(m))
  }
}

/** What this node serves to bound households that reconcile. */
export function reconcileStore(ctx: MarketContext): ReconcileStore {
  const { states } = ctx
  return {
    message: (k, id) => states.get(k)?.encoded.get(id.toLowerCase() as Hex),
    clearedIds: (k) => states.get(k)?.cleared,
    setIds: (k, hash) => states.get(k)?.sets.get(hash.toLowerCase() as Hex),
    results: (k) => [...(states.get(k)?.votes.values() ?? [])].map((v) => v.data),
  }
}
