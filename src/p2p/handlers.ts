import { KEEP_ALIVE, type PeerId } from '@libp2p/interface'
import type { Address, Hex } from 'viem'
import type { SignedCancel, VerifiedOrder } from '../core/order/types.js'
import { encodeGossip, type ResultAnnouncement, type Signed } from '../core/protocol/index.js'
import { type IntervalState, notify, slotKey } from './intervalState.js'
import type { MarketContext } from './marketContext.js'
import type { OrderSource } from './types.js'

/*
 * Handlers: the only functions that change an interval's state. They run after a validator accepted a message
 * (gossip), after a fetched message was checked (reconciliation) or for the node's own messages.
 */

/** Adds a verified order; the second order of a slot marks its household as an equivocator. */
export function addOrder(
  ctx: MarketContext,
  st: IntervalState,
  o: VerifiedOrder,
  source: OrderSource,
  encoded?: Uint8Array,
): void {
  const id = o.id.toLowerCase() as Hex
  if (st.orders.has(id)) return
  st.orders.set(id, o)
  st.encoded.set(id, encoded ?? encodeGossip({ type: 'order', order: o }))
  if (source !== 'reconcile') st.onTime.add(id)
  const slot = slotKey(o.order.account, o.order.nonce)
  const ids = st.slots.get(slot) ?? new Set<Hex>()
  ids.add(id)
  st.slots.set(slot, ids)
  if (ids.size > 1 && ctx.equivocators.mark(o.order.account, st.k)) {
    ctx.metrics.reconcile('equivocation')
    ctx.log.error('household %s equivocated in interval %s (nonce %s)', o.order.account, st.k, o.order.nonce)
  }
  for (const cb of ctx.listeners.order) cb(o, source)
}

export function addCancel(
  st: IntervalState,
  id: Hex,
  c: SignedCancel,
  source: OrderSource,
  encoded?: Uint8Array,
): void {
  if (st.cancels.has(id)) return
  st.cancels.set(id, c)
  st.encoded.set(id, encoded ?? encodeGossip({ type: 'cancel', cancel: c }))
  if (source !== 'reconcile') st.onTime.add(id)
}

/** A rate-limit token of `account` is spent by each accepted order or cancel it published. */
export function spendToken(ctx: MarketContext, account: Address): void {
  ctx.limiter.take(account, ctx.init.clock.now())
}

/** Records a household's digest: its set hash, and its ids when listed. */
export function addDigest(st: IntervalState, account: Address, hash: Hex, ids: readonly Hex[] | undefined): void {
  const key = hash.toLowerCase() as Hex
  st.digests.set(account, key)
  if (ids && !st.sets.has(key)) st.sets.set(key, ids)
  notify(st)
}

/** Counts a checked result announcement (the latest root of each household); false if it repeats one. */
export function addResult(st: IntervalState, signed: Signed<ResultAnnouncement>, data: Uint8Array): boolean {
  const r = signed.body
  if (st.results.get(r.account) === r.root) return false
  st.results.set(r.account, r.root)
  st.resultCounts.set(r.account, (st.resultCounts.get(r.account) ?? 0) + 1)
  st.votes.set(r.account, { setHash: r.setHash, signature: signed.signature, data })
  notify(st)
  return true
}

/** Records our own result (it replaces any earlier one of ours, even with the same root). */
export function addOwnResult(st: IntervalState, signed: Signed<ResultAnnouncement>, data: Uint8Array): void {
  st.results.set(signed.body.account, signed.body.root)
  st.votes.set(signed.body.account, { setHash: signed.body.setHash, signature: signed.signature, data })
  notify(st)
}

/** A peer proved to be a registered household: kept, since libp2p's reconnect queue redials keep-alive peers. */
export function keepHousehold(ctx: MarketContext, peer: PeerId, account: Address): void {
  ctx.log('peer %p bound to %s', peer, account)
  ctx.components.peerStore.merge(peer, { tags: { [`${KEEP_ALIVE}-gridlet`]: { value: 50 } } }).catch(() => {})
}
