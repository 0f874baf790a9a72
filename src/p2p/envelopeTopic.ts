import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { GridletError } from '../core/errors.js'
import type { SignedEnvelope } from '../core/market/operatingEnvelope.js'
import type { EnvelopeBook, HeldEnvelope } from './envelopeBook.js'
import { encodeEnvelope, envelopeTopic } from './envelopeCodec.js'
import { decodeEnvelopeMessage, type EnvelopeValidationContext, validateEnvelope } from './envelopeValidation.js'
import { HeldMessages } from './heldMessages.js'
import { type MarketContext, type Outbox, publishHeld, publishToFormedMesh } from './marketContext.js'
import { GossipCode, Verdict } from './validation.js'

/**
 * Heartbeats a held own envelope waits for the mesh to reach every connected peer (the orders wait 3, then the
 * reconciliation at gate closure repairs what gossip missed; nothing repairs an envelope). 10 heartbeats (~10 s)
 * fit in the publish margin (`EnvelopeBook.publishBy`).
 */
const ENVELOPE_PATIENCE = 10

/**
 * A market node's envelope topic: its validator (judge, then hand an ACCEPT to the book), its subscription, the
 * verdicts counted under `envelopes`, and the node's own envelopes (`publish`), held until the mesh has formed.
 * The market service starts, subscribes, beats and stops it beside its own topic.
 */
export class EnvelopeTopic implements Outbox {
  readonly topic: string
  readonly held: HeldMessages
  private readonly vctx: EnvelopeValidationContext

  constructor(
    private readonly ctx: MarketContext,
    readonly book: EnvelopeBook,
  ) {
    this.topic = envelopeTopic(ctx.init.market)
    this.vctx = { book, now: () => ctx.init.clock.now() }
    // One own envelope per interval of the window, and a replacement each.
    this.held = new HeldMessages(2 * (book.maxAheadIntervals + 1), ENVELOPE_PATIENCE)
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

  /** After each gossipsub heartbeat: sends the held envelopes once the mesh has formed (`publishHeld`). */
  heartbeat(): Promise<void> {
    return publishHeld(this.ctx, this)
  }

  /**
   * Publishes the grid operator's signed envelope from this node (the operator's own, or a household's that
   * relays it): judged by the same rules the peers apply, refused after `book.publishBy(k)` (too close to the
   * deadline to reach every node in time), kept in the local book, then sent once the mesh holds every connected
   * peer (`publishToFormedMesh`; held until then). Held at most until the deadline less twice the tolerated skew:
   * sent later, it could reach a node whose clock is ahead after that node's deadline.
   *
   * @example
   * await node.publishEnvelope(signEnvelope(operatorKey, domain, envelope))
   */
  async publish(signed: SignedEnvelope): Promise<HeldEnvelope> {
    const { book, ctx } = this
    const nowMs = ctx.init.clock.now()
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
    const until = book.deadline(k) - 2 * ctx.init.marketTime.maxSkewS * 1000
    await publishToFormedMesh(ctx, this, encodeEnvelope(signed), until)
    return j.value
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
