import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { Hex } from 'viem'
import type { GossipMessage } from '../core/protocol/index.js'
import { addCancel, addDigest, addOrder, addResult, spendToken } from './handlers.js'
import { slotKey } from './intervalState.js'
import { confirmLate } from './lateCatchUp.js'
import type { MarketContext } from './marketContext.js'
import { decodedGossip } from './messageId.js'
import {
  decodeGossipMessage,
  GossipCode,
  type Judgement,
  type MessageOrigin,
  type ValidationContext,
  Verdict,
  validateCancel,
  validateDigest,
  validateOrder,
  validateResult,
} from './validation.js'

/** The read-only view of the node its validators judge against. */
export function validationContext(ctx: MarketContext): ValidationContext {
  const { init, states } = ctx
  return {
    domain: ctx.domain,
    market: init.market,
    time: init.marketTime,
    now: () => init.clock.now(),
    registry: init.registry,
    maxOrdersPerInterval: ctx.maxOrders,
    maxIntervalsAhead: ctx.maxIntervalsAhead,
    hasToken: (account, nowMs) => ctx.limiter.has(account, nowMs),
    accountOfPeer: (p) => ctx.bindings.accountOf(p),
    known: (o) => {
      const st = states.get(o.order.interval)
      const slot = st?.slots.get(slotKey(o.order.account, o.order.nonce))
      return { have: st?.orders.has(o.id.toLowerCase() as Hex) ?? false, othersInSlot: slot ? slot.size : 0 }
    },
    knownCancel: (k, id) => states.get(k)?.cancels.has(id) ?? false,
    digestOf: (k, account) => states.get(k)?.digests.get(account),
    resultOf: (k, account) => states.get(k)?.results.get(account),
    resultCount: (k, account) => states.get(k)?.resultCounts.get(account) ?? 0,
    staleAfter: (k) => ctx.times.staleAfter(k),
  }
}

/**
 * The market topic's validator as gossipsub calls it: decode (once: the message-id function already did), judge
 * with the validator of the message's type, hand an ACCEPT to its handler, count every verdict by type and code.
 */
export function marketTopicValidator(ctx: MarketContext): (source: PeerId, msg: Message) => Verdict {
  const vctx = validationContext(ctx)
  return (source, msg) => {
    const decoded = decodedGossip(msg.data) ?? decodeGossipMessage(msg.data)
    if (decoded.verdict !== Verdict.Accept) return count(ctx, 'message', decoded.verdict, decoded.code)
    const m = decoded.value
    try {
      return handle(ctx, vctx, m, { propagationSource: source.toString() }, msg.data)
    } catch (err) {
      // Our bug, not the peer's fault: IGNORE (never punish a peer for it), and say so.
      ctx.log.error('validator failed %e', err)
      return count(ctx, `${m.type}s`, Verdict.Ignore, GossipCode.Internal)
    }
  }
}

function handle(
  ctx: MarketContext,
  vctx: ValidationContext,
  m: GossipMessage,
  origin: MessageOrigin,
  data: Uint8Array,
): Verdict {
  switch (m.type) {
    case 'order': {
      const j = validateOrder(vctx, m.order, origin)
      if (j.verdict === Verdict.Accept) {
        spendToken(ctx, j.value.order.account)
        addOrder(ctx, ctx.states.at(j.value.order.interval), j.value, 'gossip', data)
      }
      return counted(ctx, 'orders', j)
    }
    case 'cancel': {
      const j = validateCancel(vctx, m.cancel, origin)
      if (j.verdict === Verdict.Accept) {
        spendToken(ctx, m.cancel.cancel.account)
        addCancel(ctx.states.at(m.cancel.cancel.interval), j.value, m.cancel, 'gossip', data)
      }
      return counted(ctx, 'cancels', j)
    }
    case 'digest': {
      const j = validateDigest(vctx, m.digest)
      const d = m.digest.body
      if (j.verdict === Verdict.Accept) addDigest(ctx.states.at(d.interval), d.account, d.setHash, j.value)
      return counted(ctx, 'digests', j)
    }
    case 'result': {
      const j = validateResult(vctx, m.result, origin)
      if (j.verdict === Verdict.Accept) {
        const st = ctx.states.at(m.result.body.interval)
        addResult(st, m.result, data)
        if (st.late) confirmLate(ctx, st, st.late)
      }
      return counted(ctx, 'results', j)
    }
  }
}

function counted<T>(ctx: MarketContext, topic: string, j: Judgement<T>): Verdict {
  return count(ctx, topic, j.verdict, j.code)
}

function count(ctx: MarketContext, topic: string, verdict: Verdict, code: string): Verdict {
  ctx.metrics.validation(topic, verdict, code)
  return verdict
}
