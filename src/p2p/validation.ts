import type { Address } from 'viem'
import { GridletError } from '../core/errors.js'
import { OrderError, OrderErrorCode } from '../core/order/errors.js'
import type { MarketDomain, SignedCancel, SignedOrder, VerifiedOrder } from '../core/order/types.js'
import { verifyCancel, verifyOrder } from '../core/order/verifyOrder.js'
import { decodeGossip, type GossipMessage, MAX_GOSSIP_BYTES } from '../core/protocol/codec.js'
import { acceptsOrdersAt, type MarketTime } from '../core/time/interval.js'
import type { HouseholdRegistry } from './binding.js'
import type { RateLimiter } from './rateLimit.js'

/**
 * Outcome of validating a gossip message, with gossipsub's meaning:
 * - ACCEPT: deliver to the node and forward to the mesh;
 * - IGNORE: drop without penalty (late, duplicate, over a limit that a relay could not know about);
 * - REJECT: drop and count an invalid delivery against the peer that sent it (gossipsub score P4).
 * The string values are gossipsub's `TopicValidatorResult` values.
 */
export const Verdict = { Accept: 'accept', Ignore: 'ignore', Reject: 'reject' } as const
export type Verdict = (typeof Verdict)[keyof typeof Verdict]

/** Why a gossip message got its verdict. Stable strings: metric labels and test assertions. */
export const GossipCode = {
  Accepted: 'ACCEPTED',
  /** Accepted, and it is the second order in its (account, interval, nonce) slot: proof of equivocation. */
  Equivocation: 'EQUIVOCATION',
  TooLarge: 'TOO_LARGE',
  Decode: 'DECODE',
  Shape: 'SHAPE',
  WrongMarket: 'WRONG_MARKET',
  Expired: 'EXPIRED',
  Late: 'LATE',
  TooFarAhead: 'TOO_FAR_AHEAD',
  NonceRange: 'NONCE_RANGE',
  BadSignature: 'BAD_SIGNATURE',
  Unregistered: 'UNREGISTERED',
  WrongPublisher: 'WRONG_PUBLISHER',
  Duplicate: 'DUPLICATE',
  SlotFull: 'SLOT_FULL',
  RateLimited: 'RATE_LIMITED',
  Stale: 'STALE',
  Conflict: 'CONFLICT',
} as const
export type GossipCode = (typeof GossipCode)[keyof typeof GossipCode]

/** Thrown by validators (Lodestar style): carries the verdict gossipsub gets and the code metrics count. */
export class GossipValidationError extends GridletError {
  override name = 'GossipValidationError'
  declare readonly code: GossipCode
  constructor(
    readonly verdict: Exclude<Verdict, 'accept'>,
    code: GossipCode,
    details?: string,
    cause?: unknown,
  ) {
    super(`gossip message ${verdict}ed`, { code, ...(details ? { details } : {}), ...(cause ? { cause } : {}) })
  }
}

export interface OrderValidationContext {
  readonly domain: MarketDomain
  readonly market: `0x${string}`
  readonly time: MarketTime
  readonly nowMs: number
  readonly registry: HouseholdRegistry
  /** Nonces 0..maxOrdersPerInterval-1 are valid: a household places at most this many orders per interval. */
  readonly maxOrdersPerInterval: number
  readonly maxIntervalsAhead: number
  readonly limiter: RateLimiter
  /** Household account bound to a peer, if that peer presented a binding to us. */
  accountOfPeer(peerId: string): Address | undefined
  /** What this node already holds: the id itself, and how many other ids share the order's slot. */
  known(order: VerifiedOrder): { have: boolean; othersInSlot: number }
  /** Whether this node already holds the cancel with this id. */
  knownCancel(id: `0x${string}`): boolean
}

/** Where a gossip message came from, as gossipsub tells the validator. */
export interface MessageOrigin {
  /** The original publisher (StrictSign: gossipsub has checked its libp2p signature). */
  readonly from: string
  /** The neighbour that forwarded it to us. */
  readonly propagationSource: string
}

/**
 * First step for every message on the market topic: size, then decode (protocols/gridlet.proto `GossipMessage`,
 * with the per-type size limits and field lengths of the codec).
 */
export function decodeGossipMessage(data: Uint8Array): GossipMessage {
  // REJECT: no honest encoder produces an oversized message; refusing it before decoding bounds the work.
  if (data.length > MAX_GOSSIP_BYTES) throw new GossipValidationError(Verdict.Reject, GossipCode.TooLarge)
  try {
    return decodeGossip(data)
  } catch (err) {
    // REJECT: undecodable bytes, a field of the wrong length, or a message over its type's limit.
    throw new GossipValidationError(Verdict.Reject, GossipCode.Decode, undefined, err)
  }
}

/**
 * The order pipeline after decoding: nonce bound -> shape -> domain and interval window -> signature ->
 * registry -> publisher binding -> duplicates/slot -> per-account rate limit. Cheap checks first; the rate limit
 * last, because before the signature is checked the account is only a claim (limiting it would let anyone drain
 * an honest household's budget). Returns the verified order (ACCEPT) or throws GossipValidationError.
 *
 * @example
 * try { book.add(validateOrder(ctx, signed, origin)) } catch (e) { if (e instanceof GossipValidationError) ... }
 */
export function validateOrder(ctx: OrderValidationContext, signed: SignedOrder, msg: MessageOrigin): VerifiedOrder {
  // REJECT: the nonce bound is part of the market rules and does not depend on arrival order.
  if (signed.order.nonce >= BigInt(ctx.maxOrdersPerInterval)) {
    throw new GossipValidationError(Verdict.Reject, GossipCode.NonceRange, `nonce ${signed.order.nonce}`)
  }
  const order = verifyOrOrderVerdict(ctx, signed)
  checkSender(ctx, order.order.account, msg)
  const { have, othersInSlot } = ctx.known(order)
  // IGNORE: already held (seen before a restart, or fetched by reconciliation): harmless.
  if (have) throw new GossipValidationError(Verdict.Ignore, GossipCode.Duplicate)
  // IGNORE: two orders in a slot already prove equivocation; more add nothing, and a relay may have forwarded a
  // third one before seeing the second, so it must not be punished.
  if (othersInSlot >= 2) throw new GossipValidationError(Verdict.Ignore, GossipCode.SlotFull)
  takeToken(ctx, order.order.account, msg)
  return order
}

/** The cancel pipeline after decoding: market -> window -> signature -> registry -> publisher -> duplicate -> rate. */
export function validateCancel(ctx: OrderValidationContext, signed: SignedCancel, msg: MessageOrigin): `0x${string}` {
  const { cancel } = signed
  // REJECT: a cancel for another market on this market's topic.
  if (cancel.market.toLowerCase() !== ctx.market.toLowerCase()) {
    throw new GossipValidationError(Verdict.Reject, GossipCode.WrongMarket)
  }
  // IGNORE: after gate closure (and skew) a cancel no longer changes the book; late is not malicious.
  if (!acceptsOrdersAt(ctx.time, Number(cancel.interval), ctx.nowMs)) {
    throw new GossipValidationError(Verdict.Ignore, GossipCode.Late)
  }
  let id: `0x${string}`
  try {
    id = verifyCancel(signed, { domain: ctx.domain, market: ctx.market })
  } catch (err) {
    if (!(err instanceof OrderError)) throw err
    throw new GossipValidationError(...ORDER_VERDICT[err.code], err.shortMessage, err)
  }
  checkSender(ctx, cancel.account, msg)
  // IGNORE: already held.
  if (ctx.knownCancel(id)) throw new GossipValidationError(Verdict.Ignore, GossipCode.Duplicate)
  takeToken(ctx, cancel.account, msg)
  return id
}

function checkSender(ctx: OrderValidationContext, account: `0x${string}`, msg: MessageOrigin): void {
  // REJECT: only registered households trade; the registered set is the same for every honest node.
  if (!ctx.registry.has(account)) throw new GossipValidationError(Verdict.Reject, GossipCode.Unregistered, account)
  // REJECT: a household publishes its own messages; a peer bound to another account publishing them is forging
  // provenance (relays forward, they do not re-publish).
  const publisherAccount = ctx.accountOfPeer(msg.from)
  if (publisherAccount !== undefined && publisherAccount !== account) {
    throw new GossipValidationError(Verdict.Reject, GossipCode.WrongPublisher, `${msg.from} is ${publisherAccount}`)
  }
}

function takeToken(ctx: OrderValidationContext, account: `0x${string}`, msg: MessageOrigin): void {
  if (ctx.limiter.take(account, ctx.nowMs)) return
  // REJECT from the publisher itself: it is the flooder. IGNORE from a relay: it may have seen fewer of the
  // account's messages than we did and honestly forwarded within its own limit.
  const verdict = msg.from === msg.propagationSource ? Verdict.Reject : Verdict.Ignore
  throw new GossipValidationError(verdict, GossipCode.RateLimited, account)
}

function verifyOrOrderVerdict(ctx: OrderValidationContext, signed: SignedOrder): VerifiedOrder {
  try {
    return verifyOrder(signed, {
      domain: ctx.domain,
      market: ctx.market,
      time: ctx.time,
      nowMs: ctx.nowMs,
      maxIntervalsAhead: ctx.maxIntervalsAhead,
    })
  } catch (err) {
    if (!(err instanceof OrderError)) throw err
    throw new GossipValidationError(...ORDER_VERDICT[err.code], err.shortMessage, err)
  }
}

/** Verdict of each core order error on the gossip path. */
const ORDER_VERDICT: Record<OrderErrorCode, [Exclude<Verdict, 'accept'>, GossipCode]> = {
  // REJECT: content errors, the same for every node whatever its clock.
  [OrderErrorCode.Malformed]: [Verdict.Reject, GossipCode.Shape],
  [OrderErrorCode.Quantity]: [Verdict.Reject, GossipCode.Shape],
  [OrderErrorCode.Price]: [Verdict.Reject, GossipCode.Shape],
  [OrderErrorCode.WrongMarket]: [Verdict.Reject, GossipCode.WrongMarket],
  [OrderErrorCode.Expired]: [Verdict.Reject, GossipCode.Expired],
  [OrderErrorCode.BadSignature]: [Verdict.Reject, GossipCode.BadSignature],
  // IGNORE: depends on our clock and the message's delay; an honest relay may have been on time.
  [OrderErrorCode.IntervalClosed]: [Verdict.Ignore, GossipCode.Late],
  [OrderErrorCode.IntervalTooFar]: [Verdict.Ignore, GossipCode.TooFarAhead],
  // IGNORE: the gossip path does its own slot bookkeeping (see validateOrder).
  [OrderErrorCode.DuplicateNonce]: [Verdict.Ignore, GossipCode.SlotFull],
}

/** Maps any thrown value to a verdict and code (unexpected errors: IGNORE, never punish a peer for our bug). */
export function verdictOf(err: unknown): { verdict: Exclude<Verdict, 'accept'>; code: string } {
  if (err instanceof GossipValidationError) return { verdict: err.verdict, code: err.code }
  return { verdict: Verdict.Ignore, code: 'INTERNAL' }
}
