import type { Address, Hex } from 'viem'
import { GridletError } from '../core/errors.js'
import { OrderError, OrderErrorCode } from '../core/order/errors.js'
import type { MarketDomain, SignedCancel, SignedOrder, VerifiedOrder } from '../core/order/types.js'
import { verifyCancel, verifyOrder } from '../core/order/verifyOrder.js'
import {
  decodeGossip,
  type GossipMessage,
  type IntervalDigest,
  MAX_GOSSIP_BYTES,
  type ResultAnnouncement,
  type Signed,
} from '../core/protocol/index.js'
import {
  acceptsOrdersAt,
  gateClosureMs,
  intervalStartMs,
  type MarketTime,
  nextOpenInterval,
} from '../core/time/interval.js'
import { type HouseholdRegistry, registeredFor } from './binding.js'
import { checkDigest, checkResult } from './digest.js'

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
  Duplicate: 'DUPLICATE',
  SlotFull: 'SLOT_FULL',
  RateLimited: 'RATE_LIMITED',
  Stale: 'STALE',
  Conflict: 'CONFLICT',
  /** An operating envelope not signed by the market's grid operator. */
  NotOperator: 'NOT_OPERATOR',
  /** Our own bug while validating: never punish a peer for it. */
  Internal: 'INTERNAL',
} as const
export type GossipCode = (typeof GossipCode)[keyof typeof GossipCode]

/**
 * A validator's judgement (Lodestar style, as a value: validators judge and change nothing; the handler that
 * receives an ACCEPT changes the node's state). Returned, not thrown: an ignored duplicate costs no stack trace.
 */
export type Judgement<T> =
  | { readonly verdict: 'accept'; readonly code: GossipCode; readonly value: T }
  | { readonly verdict: 'ignore' | 'reject'; readonly code: GossipCode; readonly details?: string }

export const accept = <T>(value: T, code: GossipCode = GossipCode.Accepted): Judgement<T> => ({
  verdict: Verdict.Accept,
  code,
  value,
})
export const ignore = (code: GossipCode, details?: string): Judgement<never> =>
  details === undefined ? { verdict: Verdict.Ignore, code } : { verdict: Verdict.Ignore, code, details }
export const reject = (code: GossipCode, details?: string): Judgement<never> =>
  details === undefined ? { verdict: Verdict.Reject, code } : { verdict: Verdict.Reject, code, details }

/** What the validators read (never write): the node's rules, clock, registry, bindings and what it holds. */
export interface ValidationContext {
  readonly domain: MarketDomain
  readonly market: Hex
  readonly time: MarketTime
  now(): number
  readonly registry: HouseholdRegistry
  /** Nonces 0..maxOrdersPerInterval-1 are valid: a household places at most this many orders per interval. */
  readonly maxOrdersPerInterval: number
  readonly maxIntervalsAhead: number
  /** Whether the household `account` still has a rate-limit token (the handler takes it on ACCEPT). */
  hasToken(account: Address, nowMs: number): boolean
  /** Household account bound to a peer, if that peer presented a binding to us. */
  accountOfPeer(peerId: string): Address | undefined
  /** What this node already holds: the id itself, and how many other ids share the order's slot. */
  known(order: VerifiedOrder): { have: boolean; othersInSlot: number }
  /** Whether this node already holds the cancel with this id. */
  knownCancel(interval: bigint, id: Hex): boolean
  /** The set hash household `account` digested for `interval`, if its digest is held. */
  digestOf(interval: bigint, account: Address): Hex | undefined
  /** The root household `account` announced last for `interval`, if any. */
  resultOf(interval: bigint, account: Address): Hex | undefined
  /** How many distinct result roots of household `account` were accepted for `interval`. */
  resultCount(interval: bigint, account: Address): number
  /** When results of `interval` stop counting (clock ms): the decision plus one interval. */
  staleAfter(interval: bigint): number
}

/**
 * Where a gossip message came from, as gossipsub tells the validator. Messages carry no libp2p publisher
 * signature (StrictNoSign, as Ethereum's consensus gossip): each one is signed by its household's account, which
 * is the identity that matters; only the neighbour that forwarded it is known.
 */
export interface MessageOrigin {
  /** The neighbour that forwarded it to us. */
  readonly propagationSource: string
}

/**
 * First step for every message on the market topic: size, then decode (protocols/gridlet.proto `GossipMessage`,
 * with the per-type size limits and field lengths of the codec).
 */
export function decodeGossipMessage(data: Uint8Array): Judgement<GossipMessage> {
  // REJECT: no honest encoder produces an oversized message; refusing it before decoding bounds the work.
  if (data.length > MAX_GOSSIP_BYTES) return reject(GossipCode.TooLarge, `${data.length} bytes`)
  try {
    return accept(decodeGossip(data))
  } catch (err) {
    // REJECT: undecodable bytes, a field of the wrong length, or a message over its type's limit.
    return reject(GossipCode.Decode, err instanceof GridletError ? err.shortMessage : undefined)
  }
}

/**
 * The order pipeline after decoding: nonce bound -> shape -> domain and interval window -> signature ->
 * registry -> duplicates/slot -> per-account rate limit. Cheap checks first; the rate limit
 * last, because before the signature is checked the account is only a claim (limiting it would let anyone drain
 * an honest household's budget).
 *
 * @example
 * const j = validateOrder(ctx, signed, origin)
 * if (j.verdict === 'accept') handleOrder(node, j.value, data)
 */
export function validateOrder(
  ctx: ValidationContext,
  signed: SignedOrder,
  msg: MessageOrigin,
): Judgement<VerifiedOrder> {
  // REJECT: the nonce bound is part of the market rules and does not depend on arrival order.
  if (signed.order.nonce >= BigInt(ctx.maxOrdersPerInterval)) {
    return reject(GossipCode.NonceRange, `nonce ${signed.order.nonce}`)
  }
  const nowMs = ctx.now()
  let order: VerifiedOrder
  try {
    order = verifyOrder(signed, {
      domain: ctx.domain,
      market: ctx.market,
      time: ctx.time,
      nowMs,
      maxIntervalsAhead: ctx.maxIntervalsAhead,
    })
  } catch (err) {
    return orderErrorJudgement(err)
  }
  const sender = checkSender(ctx, order.order.account, order.order.interval, nowMs)
  if (sender) return sender
  const { have, othersInSlot } = ctx.known(order)
  // IGNORE: already held (seen before a restart, or fetched by reconciliation): harmless.
  if (have) return ignore(GossipCode.Duplicate)
  // IGNORE: two orders in a slot already prove equivocation; more add nothing, and a relay may have forwarded a
  // third one before seeing the second, so it must not be punished.
  if (othersInSlot >= 2) return ignore(GossipCode.SlotFull)
  const limited = checkRate(ctx, order.order.account, msg, nowMs)
  if (limited) return limited
  return accept(order, othersInSlot === 1 ? GossipCode.Equivocation : GossipCode.Accepted)
}

/** The cancel pipeline after decoding: market -> window -> signature -> registry -> duplicate -> rate limit. */
export function validateCancel(ctx: ValidationContext, signed: SignedCancel, msg: MessageOrigin): Judgement<Hex> {
  const { cancel } = signed
  // REJECT: a cancel for another market on this market's topic.
  if (cancel.market.toLowerCase() !== ctx.market.toLowerCase()) return reject(GossipCode.WrongMarket)
  const nowMs = ctx.now()
  // IGNORE: after gate closure (and skew) a cancel no longer changes the book; late is not malicious.
  if (!acceptsOrdersAt(ctx.time, Number(cancel.interval), nowMs)) return ignore(GossipCode.Late)
  // IGNORE: the window of orders: no order can exist there yet, and each such interval would cost memory.
  if (tooFarAhead(ctx.time, cancel.interval, nowMs, ctx.maxIntervalsAhead)) return ignore(GossipCode.TooFarAhead)
  let id: Hex
  try {
    id = verifyCancel(signed, { domain: ctx.domain, market: ctx.market }).toLowerCase() as Hex
  } catch (err) {
    return orderErrorJudgement(err)
  }
  const sender = checkSender(ctx, cancel.account, cancel.interval, nowMs)
  if (sender) return sender
  // IGNORE: already held.
  if (ctx.knownCancel(cancel.interval, id)) return ignore(GossipCode.Duplicate)
  return checkRate(ctx, cancel.account, msg, nowMs) ?? accept(id)
}

/**
 * A digest: consistent (listed ids sorted, counted and hashing to `setHash`) and signed -> in its time window ->
 * registered -> the first one of its household. Accepts with the listed ids (or `undefined`: the
 * set is named by its hash only).
 */
export function validateDigest(
  ctx: ValidationContext,
  signed: Signed<IntervalDigest>,
): Judgement<readonly Hex[] | undefined> {
  let ids: readonly Hex[] | undefined
  try {
    ids = checkDigest(ctx.domain, ctx.market, signed)
  } catch (err) {
    return announcementErrorJudgement(err)
  }
  const d = signed.body
  const bad = checkAnnouncement(ctx, d.interval, d.account)
  if (bad) return bad
  // IGNORE: a second, different digest from one household: the first one counts (and the conflict is counted).
  if (ctx.digestOf(d.interval, d.account) !== undefined) return ignore(GossipCode.Conflict)
  return accept(ids)
}

/**
 * Distinct result roots a household may announce per interval: its first, one after adopting the quorum's set,
 * one after a late repair, and one to spare. More are flooding: every node would check and relay each one.
 */
export const MAX_RESULTS_PER_INTERVAL = 4

/**
 * A result announcement: signed -> in its window -> registered -> not a repeat of its last root -> at most
 * {@link MAX_RESULTS_PER_INTERVAL} roots per household and interval.
 */
export function validateResult(
  ctx: ValidationContext,
  signed: Signed<ResultAnnouncement>,
  msg: MessageOrigin,
): Judgement<ResultAnnouncement> {
  try {
    checkResult(ctx.domain, ctx.market, signed)
  } catch (err) {
    return announcementErrorJudgement(err)
  }
  const r = signed.body
  const bad = checkAnnouncement(ctx, r.interval, r.account)
  if (bad) return bad
  // IGNORE: the same root again. A household that re-reconciled publishes its new root: the latest counts.
  if (ctx.resultOf(r.interval, r.account) === r.root) return ignore(GossipCode.Duplicate)
  if (ctx.resultCount(r.interval, r.account) >= MAX_RESULTS_PER_INTERVAL) return rateLimited(ctx, r.account, msg)
  return accept(r)
}

/** An order or cancel fetched by reconciliation, as the handler adds it. */
export type Fetched =
  | { readonly type: 'order'; readonly id: Hex; readonly order: VerifiedOrder }
  | { readonly type: 'cancel'; readonly id: Hex; readonly cancel: SignedCancel }

/**
 * A message fetched from a peer for interval `k`: the checks of the gossip path minus timing (it was on time for
 * at least f + 1 households) and minus the rate limit (it carries its own signature; the sender is not trusted,
 * and must send only what was asked for).
 */
export function validateFetched(
  ctx: Pick<ValidationContext, 'domain' | 'market' | 'registry' | 'maxOrdersPerInterval'>,
  k: bigint,
  wanted: ReadonlySet<Hex>,
  m: GossipMessage,
): Judgement<Fetched> {
  if (m.type === 'order') {
    if (m.order.order.interval !== k) return reject(GossipCode.Shape, 'another interval')
    if (m.order.order.nonce >= BigInt(ctx.maxOrdersPerInterval)) return reject(GossipCode.NonceRange)
    let order: VerifiedOrder
    try {
      order = verifyOrder(m.order, { domain: ctx.domain, market: ctx.market })
    } catch (err) {
      return orderErrorJudgement(err)
    }
    const id = order.id.toLowerCase() as Hex
    if (!wanted.has(id)) return reject(GossipCode.Shape, 'not asked for')
    if (!registeredFor(ctx.registry, k).has(order.order.account)) return reject(GossipCode.Unregistered)
    return accept({ type: 'order', id, order })
  }
  if (m.type === 'cancel') {
    if (m.cancel.cancel.interval !== k) return reject(GossipCode.Shape, 'another interval')
    let id: Hex
    try {
      id = verifyCancel(m.cancel, { domain: ctx.domain, market: ctx.market }).toLowerCase() as Hex
    } catch (err) {
      return orderErrorJudgement(err)
    }
    if (!wanted.has(id)) return reject(GossipCode.Shape, 'not asked for')
    if (!registeredFor(ctx.registry, k).has(m.cancel.cancel.account)) return reject(GossipCode.Unregistered)
    return accept({ type: 'cancel', id, cancel: m.cancel })
  }
  return reject(GossipCode.Shape, 'not an order or cancel')
}

/** A result announcement fetched for interval `k` (catch-up): signed by a registered household, no timing. */
export function validateFetchedResult(
  ctx: Pick<ValidationContext, 'domain' | 'market' | 'registry'>,
  k: bigint,
  m: GossipMessage,
): Judgement<Signed<ResultAnnouncement>> {
  if (m.type !== 'result' || m.result.body.interval !== k)
    return reject(GossipCode.Shape, 'not a result of this interval')
  if (!registeredFor(ctx.registry, k).has(m.result.body.account)) return reject(GossipCode.Unregistered)
  try {
    checkResult(ctx.domain, ctx.market, m.result)
  } catch (err) {
    return announcementErrorJudgement(err)
  }
  return accept(m.result)
}

function checkAnnouncement(ctx: ValidationContext, interval: bigint, account: Address): Judgement<never> | undefined {
  const now = ctx.now()
  // IGNORE: announcements before gate closure (a peer's clock is off) or long after the decision.
  if (now < gateClosureMs(ctx.time, Number(interval))) return ignore(GossipCode.Late)
  if (now > ctx.staleAfter(interval)) return ignore(GossipCode.Stale)
  return checkSender(ctx, account, interval, now)
}

/**
 * Whether `account` is registered for `interval`: a message is judged against the registry of its own interval
 * (docs/protocol.md, "Registry"), so an order or result of a household removed at the next boundary is still
 * valid for the intervals before, whenever it arrives, and every honest node gives it the same verdict.
 */
function checkSender(
  ctx: ValidationContext,
  account: Address,
  interval: bigint,
  nowMs: number,
): Judgement<never> | undefined {
  if (registeredFor(ctx.registry, interval).has(account)) return undefined
  // IGNORE: the registry of an interval after the open one may still change (a registration now applies from the
  // interval after the open one), so a node that read the chain later than its neighbour must not punish it.
  if (ctx.registry.at && interval > BigInt(nextOpenInterval(ctx.time, nowMs)))
    return ignore(GossipCode.Unregistered, `${account} not (yet) registered for interval ${interval}`)
  // REJECT: only households registered for the interval trade and announce in it; that set is the same for every
  // honest node.
  return reject(GossipCode.Unregistered, account)
}

function checkRate(
  ctx: ValidationContext,
  account: Address,
  msg: MessageOrigin,
  nowMs: number,
): Judgement<never> | undefined {
  return ctx.hasToken(account, nowMs) ? undefined : rateLimited(ctx, account, msg)
}

function rateLimited(ctx: ValidationContext, account: Address, msg: MessageOrigin): Judgement<never> {
  // REJECT from the household's own node: it is the flooder. IGNORE from a relay: it may have seen fewer of the
  // account's messages than we did and honestly forwarded within its own limit.
  return ctx.accountOfPeer(msg.propagationSource) === account
    ? reject(GossipCode.RateLimited, account)
    : ignore(GossipCode.RateLimited, account)
}

/** Whether interval `k` starts beyond the order window (`maxAhead` intervals from `nowMs`), as verifyOrder checks. */
export function tooFarAhead(time: MarketTime, k: bigint, nowMs: number, maxAhead: number): boolean {
  return intervalStartMs(time, Number(k)) > nowMs + maxAhead * time.lengthS * 1000
}

function orderErrorJudgement(err: unknown): Judgement<never> {
  if (!(err instanceof OrderError)) return ignore(GossipCode.Internal, String(err))
  const [verdict, code] = ORDER_VERDICT[err.code]
  return verdict === Verdict.Reject ? reject(code, err.shortMessage) : ignore(code, err.shortMessage)
}

/** REJECT: digests and results of another market, inconsistent or badly signed are wrong for every node. */
function announcementErrorJudgement(err: unknown): Judgement<never> {
  if (!(err instanceof GridletError)) return ignore(GossipCode.Internal, String(err))
  const code = err.code.endsWith('_MARKET')
    ? GossipCode.WrongMarket
    : err.code.endsWith('_SIGNATURE')
      ? GossipCode.BadSignature
      : GossipCode.Shape
  return reject(code, err.details)
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
