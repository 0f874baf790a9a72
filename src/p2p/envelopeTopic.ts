import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { GridletError } from '../core/errors.js'
import type { SignedEnvelope } from '../core/market/operatingEnvelope.js'
import type { GossipSubInternals } from './createLibp2pNode.js'
import type { EnvelopeBook, HeldEnvelope } from './envelopeBook.js'
import { encodeEnvelope, envelopeTopic } from './envelopeCodec.js'
import { decodeEnvelopeMessage, type EnvelopeValidationContext, validateEnvelope } from './envelopeValidation.js'
import type { MarketContext } from './marketContext.js'
import { GossipCode, Verdict } from './validation.js'

/**
 * A market node's envelope topic: its validator (judge, then hand an ACCEPT to the book), its subscription, and
 * the verdicts counted under `envelopes`. The market service starts, subscribes and stops it beside its own topic.
 */
export class EnvelopeTopic {
  readonly topic: string
  private readonly vctx: EnvelopeValidationContext

  constructor(
    private readonly ctx: MarketContext,
    readonly book: EnvelopeBook,
  ) {
    this.topic = envelopeTopic(ctx.init.market)
    this.vctx = { book, now: () => ctx.init.clock.now() }
  }

  start(): void {
    this.ctx.components.pubsub.topicValidators.set(this.topic, this.validate as never)
  }

  subscribe(): void {
    this.ctx.components.pubsub.subscribe(this.topic)
  }

  stop(): void {
    this.ctx.components.pubsub.topicValidators.delete(this.topic)
  }

  private readonly validate = (_source: PeerId, msg: Message): Verdict => {
    const { ctx } = this
    const count = (verdict: Verdict, code: string) => {
      ctx.metrics.validation('envelopes', verdict, code)
      return verdict
    }
    try {
      const decoded = decodeEnvelopeMessage(msg.data)
      if (decoded.verdict !== Verdict.Accept) return count(decoded.verdict, decoded.code)
      const j = validateEnvelope(this.vctx, decoded.value)
      if (j.verdict === Verdict.Accept && this.book.add(j.value, ctx.init.clock.now())) {
        ctx.log('envelope %s in force for interval %s', j.value.digest, j.value.interval)
      }
      return count(j.verdict, j.code)
    } catch (err) {
      // Our bug, not the peer's fault: IGNORE, never punish a peer for it.
      ctx.log.error('envelope validator failed %e', err)
      return count(Verdict.Ignore, GossipCode.Internal)
    }
  }
}

/** The envelope topic of a market node whose market has a grid operator. */
export function envelopeTopicOf(ctx: MarketContext): EnvelopeTopic | undefined {
  const book = ctx.init.grid?.envelopes
  return book ? new EnvelopeTopic(ctx, book) : undefined
}

/**
 * Publishes the grid operator's signed envelope from any node of the market (the operator's own, or a household's
 * that relays it): judged by the same rules the peers apply, refused after `book.publishBy(k)` (too close to the
 * deadline to reach every node in time), kept in the local book, then sent on the envelope topic.
 *
 * @example
 * await publishEnvelope({ pubsub: pubsubOf(node.libp2p), book, nowMs: clock.now() }, signEnvelope(key, domain, e))
 */
export async function publishEnvelope(
  deps: { readonly pubsub: GossipSubInternals; readonly book: EnvelopeBook; readonly nowMs: number },
  signed: SignedEnvelope,
): Promise<HeldEnvelope> {
  const { pubsub, book, nowMs } = deps
  const k = signed.envelope.interval
  if (nowMs > book.publishBy(k)) {
    throw new GridletError('too late to publish the envelope', {
      code: 'P2P_ENVELOPE_LATE',
      field: 'interval',
      details: `envelopes for interval ${k} must be published by clock ${book.publishBy(k)} (now ${nowMs})`,
    })
  }
  const j = validateEnvelope({ book, now: () => nowMs }, signed)
  if (j.verdict !== Verdict.Accept) {
    throw new GridletError('envelope refused', {
      code: 'P2P_ENVELOPE_REFUSED',
      field: 'envelope',
      details: `${j.verdict} ${j.code}${j.details ? `: ${j.details}` : ''}`,
    })
  }
  book.add(j.value, nowMs)
  await pubsub.publish(envelopeTopic(book.rules.market), encodeEnvelope(signed), {
    allowPublishToZeroTopicPeers: false,
  })
  return j.value
}
