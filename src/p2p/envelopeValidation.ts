import type { Hex } from 'viem'
import { GridletError } from '../core/errors.js'
import { applyEnvelope, hashEnvelope, type SignedEnvelope } from '../core/market/operatingEnvelope.js'
import type { EnvelopeBook, HeldEnvelope } from './envelopeBook.js'
import { decodeEnvelope, MAX_ENVELOPE_BYTES } from './envelopeCodec.js'
import { accept, GossipCode, ignore, type Judgement, reject } from './validation.js'

/** What the envelope validator reads (never writes): the book's rules and what it holds, and the clock. */
export interface EnvelopeValidationContext {
  readonly book: Pick<EnvelopeBook, 'base' | 'rules' | 'deadline' | 'tooFarAhead' | 'at'>
  now(): number
}

/** First step on the envelope topic: size and protobuf shape. REJECT: no honest encoder produces either fault. */
export function decodeEnvelopeMessage(data: Uint8Array): Judgement<SignedEnvelope> {
  if (data.length > MAX_ENVELOPE_BYTES) return reject(GossipCode.TooLarge, `${data.length} bytes`)
  try {
    return accept(decodeEnvelope(data))
  } catch (err) {
    return reject(GossipCode.Decode, err instanceof GridletError ? err.details : undefined)
  }
}

/**
 * An operating envelope: market -> before its deadline -> within the window -> not a duplicate -> signed by the
 * market's grid operator, one value per feeder and transformer -> the lowest digest for its interval. Cheap checks
 * first; the signature is recovered only for an envelope that could still change the book.
 *
 * @example
 * const j = validateEnvelope({ book, now: () => clock.now() }, signed)
 * if (j.verdict === 'accept') book.add(j.value, clock.now())
 */
export function validateEnvelope(ctx: EnvelopeValidationContext, signed: SignedEnvelope): Judgement<HeldEnvelope> {
  const { book } = ctx
  const e = signed.envelope
  // REJECT: another market's envelope on this market's topic; an honest relay checked the market before us.
  if (e.market.toLowerCase() !== book.rules.market.toLowerCase()) return reject(GossipCode.WrongMarket, e.market)
  const nowMs = ctx.now()
  // IGNORE: after its deadline an envelope must not change the interval (nodes that already passed the deadline
  // would clear with other limits); late depends on the delay, it is not malicious.
  if (nowMs > book.deadline(e.interval)) return ignore(GossipCode.Late, `interval ${e.interval}`)
  // IGNORE: each interval ahead would cost memory; a relay's clock may be ahead of ours.
  if (book.tooFarAhead(e.interval, nowMs)) return ignore(GossipCode.TooFarAhead, `interval ${e.interval}`)
  const digest = hashEnvelope(book.rules.domain, e).toLowerCase() as Hex
  const held = book.at(e.interval)
  // IGNORE: the envelope in force already (reconnect, a slow relay).
  if (held?.digest === digest) return ignore(GossipCode.Duplicate)
  let grid: HeldEnvelope['grid']
  try {
    grid = applyEnvelope(book.base, signed, { ...book.rules, interval: e.interval })
  } catch (err) {
    // REJECT: not the operator's signature, or limits that do not fit the market's network: wrong for every node.
    if (!(err instanceof GridletError)) return ignore(GossipCode.Internal, String(err))
    return reject(err.field === 'signature' ? GossipCode.NotOperator : GossipCode.Shape, `${err.field}: ${err.details}`)
  }
  // IGNORE: the operator signed two envelopes for the interval; the lower digest is in force everywhere, so only
  // it needs to travel. Not the relay's fault: it may have seen this one first.
  if (held && held.digest < digest) return ignore(GossipCode.Conflict, `in force: ${held.digest}`)
  return accept({ interval: e.interval, digest, signed, grid })
}
