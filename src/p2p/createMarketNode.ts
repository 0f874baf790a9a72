import { createHash } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { Message } from '@libp2p/gossipsub'
import { KEEP_ALIVE, type PeerId, type PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { type Address, concat, type Hex, hexToBytes, keccak256, stringToHex } from 'viem'
import { clear } from '../core/market/clear.js'
import type { ClearingParams, ClearingResult } from '../core/market/types.js'
import { hashCancelBytes, hashOrderBytes, prepareDomain } from '../core/order/eip712.js'
import type { MarketDomain, SignedCancel, SignedOrder, VerifiedOrder } from '../core/order/types.js'
import { verifyCancel, verifyOrder } from '../core/order/verifyOrder.js'
import {
  decodeGossip,
  encodeGossip,
  type GossipMessage,
  type IntervalDigest,
  marketTopic,
  type ResultAnnouncement,
  type Signed,
  setHash,
} from '../core/protocol/index.js'
import type { Clock } from '../core/time/clock.js'
import { acceptsOrdersAt, gateClosureMs, intervalAt, type MarketTime, nextOpenInterval } from '../core/time/interval.js'
import { accountOf } from './accountSig.js'
import { type AgreementRules, agreementRules, finalSet, type Tally, tally } from './agreement.js'
import { type HouseholdRegistry, PeerBindings, signPeerBinding } from './binding.js'
import { byteCounter } from './byteCounter.js'
import { createLibp2pNode, type GridletLibp2p, pubsubOf } from './createLibp2pNode.js'
import { checkDigest, checkResult, checkSetIds, makeDigest, makeResult, sortIds } from './digest.js'
import { type FaultInjector, injectGossipFaults } from './faults.js'
import { P2pMetrics } from './metrics.js'
import { rateLimiter } from './rateLimit.js'
import { type ReconcileLimits, requestReconcile, serveReconcile } from './reconcile.js'
import {
  decodeGossipMessage,
  GossipCode,
  GossipValidationError,
  type OrderValidationContext,
  Verdict,
  validateCancel,
  validateOrder,
  verdictOf,
} from './validation.js'

/** Timing of agreement after gate closure, in clock milliseconds (so an accelerated clock scales them too). */
export interface AgreementTiming {
  /** After the last accepted instant (closure + skew): freeze the set and publish the digest. */
  digestDelayMs: number
  /** Digests are collected this long, then missing orders are fetched and the interval is cleared. */
  digestWindowMs: number
  /** Results are collected at most this long after clearing before the node decides. */
  resultWindowMs: number
}

export const DEFAULT_TIMING: AgreementTiming = { digestDelayMs: 1000, digestWindowMs: 10_000, resultWindowMs: 15_000 }

export interface MarketNodeInit {
  /** The household's account key (secp256k1, 0x-hex): signs orders, the peer binding, digests and results. */
  privateKey: Hex
  /** libp2p identity; by default derived from the account key, so a restarted node keeps its peer id. */
  peerKey?: PrivateKey
  domain: MarketDomain
  /** bytes32 market id. */
  market: Hex
  marketTime: MarketTime
  clock: Clock
  /** Registered households (from the chain or config). */
  registry: HouseholdRegistry
  /** Clearing rule and grid prices; the interval is filled in per interval. */
  clearing: Omit<ClearingParams, 'interval'>
  listen?: readonly string[]
  bootstrap?: readonly string[]
  mdns?: boolean
  timing?: Partial<AgreementTiming>
  agreement?: Partial<AgreementRules>
  /** Orders (nonces) per household per interval. Default 16. */
  maxOrdersPerInterval?: number
  /**
   * Digests list their ids up to this many (default 0: never; at most 1,800). Unlisted sets cost nothing when
   * they equal ours (same hash), and one request to a peer when they differ.
   */
  digestListMax?: number
  /**
   * Intervals after its equivocation during which a household keeps its gossip penalty (default 96, a day of
   * 15-minute intervals): long enough to cost it its mesh places, short enough that a misconfigured household
   * (two nodes with one key) that has been fixed is not shunned for the node's lifetime.
   */
  equivocationPenaltyIntervals?: number
  maxIntervalsAhead?: number
  /** Real-time budget of one reconciliation request. Default 2000 ms. */
  reconcileTimeoutMs?: number
  faults?: FaultInjector
  logger?: Logger
  /** prom-client registry to register gridlet_p2p_* metrics in. */
  metrics?: Registry
  /** Options passed to the libp2p factory (tests on one host raise these). */
  libp2p?: { inboundConnectionThreshold?: number; maxConnections?: number; ipColocationWeight?: number }
}

/** What a node concluded for one interval. */
export interface IntervalOutcome {
  readonly interval: bigint
  readonly root: Hex
  readonly result: ClearingResult
  /** The verified orders the result was cleared from (sorted by id): the settlement batcher needs them. */
  readonly orders: readonly VerifiedOrder[]
  /** The cancels that were part of the set. */
  readonly cancels: readonly SignedCancel[]
  readonly setHash: Hex
  /** A quorum of registered households published this same root. */
  readonly agreed: boolean
  /** The node first computed another root and re-reconciled to the quorum's set. */
  readonly adopted: boolean
  readonly quorum: {
    readonly needed: number
    readonly votesForRoot: number
    readonly voters: number
    readonly registered: number
    readonly quorumRoot: Hex | undefined
  }
  /** Why the interval is not agreed. */
  readonly reason?: 'NO_QUORUM' | 'DISAGREE'
}

export type OrderSource = 'local' | 'gossip' | 'reconcile'

export interface MarketNodeStats {
  readonly peers: number
  readonly boundPeers: number
  readonly meshPeers: number
  readonly bytesSent: number
  readonly bytesReceived: number
  readonly validation: Readonly<Record<string, number>>
  readonly intervals: Readonly<Record<string, number>>
  readonly reconcile: Readonly<Record<string, number>>
}

export interface MarketNode {
  readonly peerId: PeerId
  readonly account: Address
  readonly libp2p: GridletLibp2p
  multiaddrs(): Multiaddr[]
  start(): Promise<void>
  stop(): Promise<void>
  /** Checks (fields, window, signature, own account) and publishes one of this household's orders. */
  submitOrder(signed: SignedOrder): Promise<VerifiedOrder>
  /** Checks and publishes a signed cancel of one of this household's orders (before gate closure). */
  submitCancel(signed: SignedCancel): Promise<Hex>
  /** Whether the node holds the order `id` (for any interval it still keeps). */
  hasOrder(id: Hex): boolean
  /** Called once per interval with the node's conclusion. Returns an unsubscribe function. */
  onResult(cb: (outcome: IntervalOutcome) => void): () => void
  /** Called when an order is added to the node's set. */
  onOrder(cb: (order: VerifiedOrder, source: OrderSource) => void): () => void
  /** Called when the node's root differs from a quorum's, or no root reaches a quorum. */
  onDisagreement(cb: (outcome: IntervalOutcome) => void): () => void
  results(signal?: AbortSignal): AsyncIterable<IntervalOutcome>
  stats(): MarketNodeStats
}

interface IntervalState {
  readonly k: bigint
  readonly orders: Map<Hex, VerifiedOrder>
  readonly cancels: Map<Hex, SignedCancel>
  /** Encoded gossip message of every held order and cancel, served to peers that reconcile. */
  readonly encoded: Map<Hex, Uint8Array>
  /** Ids (orders and cancels) received before gate closure: what our digest lists. */
  readonly onTime: Set<Hex>
  readonly slots: Map<string, Set<Hex>>
  /** Each household's digest: the set it froze, named by hash. */
  readonly digests: Map<Address, Hex>
  readonly digestPeers: Map<Address, string>
  /** Ids of the frozen sets known here, by set hash: our own, listed in digests, or fetched and checked. */
  readonly sets: Map<Hex, readonly Hex[]>
  readonly results: Map<Address, Hex>
  readonly resultPeers: Map<Address, string>
  /** The encoded result announcement behind each entry of `results`, served to nodes that catch up. */
  readonly resultMsgs: Map<Address, Uint8Array>
  cleared: Hex[] | undefined
  decided: boolean
  /** Decided without a quorum for our root: results arriving later may confirm it or lead to a repair. */
  late: IntervalOutcome | undefined
  wake: () => void
  changed: Promise<void>
}

/**
 * A household's market node: gossip of signed orders with a validation pipeline, peer/account binding, digest
 * reconciliation at gate closure, deterministic clearing and agreement on result roots. See docs/p2p.md.
 *
 * @example
 * const node = await createMarketNode({ privateKey, domain, market, marketTime, clock, registry,
 *   clearing: { rule: 'k-da', retailPrice: 300_000n, feedInPrice: 80_000n }, bootstrap })
 * node.onResult((r) => console.log(r.interval, r.root, r.agreed))
 * await node.start()
 * await node.submitOrder(signOrder(privateKey, domain, order))
 */
export async function createMarketNode(init: MarketNodeInit): Promise<MarketNode> {
  const account = accountOf(init.privateKey)
  const peerKey = init.peerKey ?? (await derivePeerKey(init.privateKey))
  const timing = { ...DEFAULT_TIMING, ...init.timing }
  const rules = agreementRules(init.registry.size, init.agreement)
  const maxOrders = init.maxOrdersPerInterval ?? 16
  const maxIntervalsAhead = init.maxIntervalsAhead ?? 96
  const topic = marketTopic(init.market)
  const domain = prepareDomain(init.domain)
  const limits: ReconcileLimits = { maxIds: Math.max(64, init.registry.size * maxOrders) }
  const metrics = new P2pMetrics(init.metrics)
  const bytesCount = byteCounter()
  const log = init.logger
  const scope = { chainId: init.domain.chainId, market: init.market }
  let bindings: PeerBindings | undefined

  const libp2p = await createLibp2pNode({
    privateKey: peerKey,
    listen: init.listen ?? ['/ip4/0.0.0.0/tcp/0'],
    ...(init.bootstrap ? { bootstrap: init.bootstrap } : {}),
    mdns: init.mdns ?? false,
    scoredTopics: [topic],
    // Bound households rank above anonymous relays when the mesh is chosen. A household caught equivocating
    // falls below zero (and below the gossip threshold, -10): it loses its mesh place wherever the evidence
    // reached, but stays above the publish and graylist thresholds, so it still hears and is heard.
    appSpecificScore: (peer) => {
      const acct = bindings?.accountOf(peer)
      if (acct === undefined) return 0
      return penalised(acct) ? -20 : 5
    },
    metrics: bytesCount.metrics,
    ...(init.faults ? { denyPeer: (p: PeerId) => init.faults!.isBlocked(p) } : {}),
    ...init.libp2p,
    gossip: {
      msgIdFn: (msg) => messageId(domain, msg),
      // Duplicates are recognised by a hash of their bytes before their libp2p signature is verified: without
      // it every copy of a message (one per mesh peer) costs an Ed25519 verification.
      fastMsgIdFn: (rpc) =>
        createHash('sha256')
          .update(rpc.data ?? new Uint8Array(0))
          .digest('base64'),
    },
  })
  const pubsub = pubsubOf(libp2p)
  bindings = new PeerBindings(libp2p, {
    binding: signPeerBinding(init.privateKey, scope, libp2p.peerId),
    scope,
    registry: init.registry,
    onBound: (peer, acct) => {
      log?.debug({ peer: peer.toString(), account: acct }, 'peer bound')
      // Households we have met are kept: libp2p's reconnect queue redials keep-alive tagged peers when they drop.
      libp2p.peerStore.merge(peer, { tags: { [`${KEEP_ALIVE}-gridlet`]: { value: 50 } } }).catch(() => {})
    },
    onInvalid: (peer, err) => {
      metrics.binding('invalid')
      log?.debug({ peer: peer.toString(), err }, 'peer binding refused')
    },
  })
  const states = new Map<bigint, IntervalState>()
  /** Households caught equivocating, with the last interval they did. */
  const equivocators = new Map<Address, bigint>()
  const penaltyIntervals = BigInt(init.equivocationPenaltyIntervals ?? 96)
  const penalised = (acct: Address) => {
    const k = equivocators.get(acct)
    return k !== undefined && BigInt(intervalAt(init.marketTime, init.clock.now())) < k + penaltyIntervals
  }
  const resultCbs = new Set<(o: IntervalOutcome) => void>()
  const orderCbs = new Set<(o: VerifiedOrder, s: OrderSource) => void>()
  const disagreeCbs = new Set<(o: IntervalOutcome) => void>()
  const tasks = new Set<Promise<void>>()
  let abort = new AbortController()
  let restoreFaults: (() => void) | undefined

  // This household's fixed place in the announcement spread, in [0, 1).
  const jitter = Number.parseInt(keccak256(account).slice(2, 10), 16) / 2 ** 32
  const acceptUntil = (k: bigint) => gateClosureMs(init.marketTime, Number(k)) + init.marketTime.maxSkewS * 1000
  const freezeAt = (k: bigint) => acceptUntil(k) + timing.digestDelayMs
  const clearAt = (k: bigint) => freezeAt(k) + timing.digestWindowMs
  const decideAt = (k: bigint) => clearAt(k) + timing.resultWindowMs

  function state(k: bigint): IntervalState {
    let st = states.get(k)
    if (!st) {
      let wake = () => {}
      const changed = new Promise<void>((r) => {
        wake = r
      })
      st = {
        k,
        orders: new Map(),
        cancels: new Map(),
        encoded: new Map(),
        onTime: new Set(),
        slots: new Map(),
        digests: new Map(),
        digestPeers: new Map(),
        sets: new Map(),
        results: new Map(),
        resultPeers: new Map(),
        resultMsgs: new Map(),
        cleared: undefined,
        decided: false,
        late: undefined,
        wake,
        changed,
      }
      states.set(k, st)
    }
    return st
  }

  function notify(st: IntervalState): void {
    const wake = st.wake
    st.changed = new Promise<void>((r) => {
      st.wake = r
    })
    wake()
  }

  function addOrder(st: IntervalState, o: VerifiedOrder, source: OrderSource, encoded?: Uint8Array): void {
    const id = o.id.toLowerCase() as Hex
    if (st.orders.has(id)) return
    st.orders.set(id, o)
    st.encoded.set(id, encoded ?? encodeGossip({ type: 'order', order: o }))
    if (source !== 'reconcile') st.onTime.add(id)
    const slot = `${o.order.account}:${o.order.nonce}`
    const ids = st.slots.get(slot) ?? new Set<Hex>()
    ids.add(id)
    st.slots.set(slot, ids)
    if (ids.size > 1) markEquivocator(o.order.account, st.k, o.order.nonce)
    for (const cb of orderCbs) cb(o, source)
  }

  /** Records the newest interval in which `account` equivocated (its penalty runs from there). */
  function markEquivocator(acct: Address, k: bigint, nonce: bigint): void {
    const last = equivocators.get(acct)
    if (last !== undefined && last >= k) return
    equivocators.set(acct, k)
    metrics.reconcile('equivocation')
    log?.warn({ account: acct, interval: k, nonce }, 'household equivocated')
  }

  function addCancel(st: IntervalState, id: Hex, c: SignedCancel, source: OrderSource, encoded?: Uint8Array): void {
    const key = id.toLowerCase() as Hex
    if (st.cancels.has(key)) return
    st.cancels.set(key, c)
    st.encoded.set(key, encoded ?? encodeGossip({ type: 'cancel', cancel: c }))
    if (source !== 'reconcile') st.onTime.add(key)
  }

  const limiter = rateLimiter({
    burst: maxOrders * 2,
    perMs: (maxOrders * 2) / (init.marketTime.lengthS * 1000),
  })

  // --- gossip validators: each returns gossipsub's verdict and counts the outcome ---------------------------

  function validationContext(): OrderValidationContext {
    return {
      domain,
      market: init.market,
      time: init.marketTime,
      nowMs: init.clock.now(),
      registry: init.registry,
      maxOrdersPerInterval: maxOrders,
      maxIntervalsAhead,
      limiter,
      accountOfPeer: (p) => bindings?.accountOf(p),
      known: (o) => {
        const st = states.get(o.order.interval)
        const slot = st?.slots.get(`${o.order.account}:${o.order.nonce}`)
        const have = st?.orders.has(o.id.toLowerCase() as Hex) ?? false
        return { have, othersInSlot: slot ? slot.size : 0 }
      },
      knownCancel: (id) => [...states.values()].some((st) => st.cancels.has(id.toLowerCase() as Hex)),
    }
  }

  /** The market topic's validator: decode once, then the pipeline of the message's type. */
  function validateMessage(source: PeerId, msg: Message): Verdict {
    if (msg.type !== 'signed') return count('message', Verdict.Reject, GossipCode.Shape)
    let decoded: GossipMessage
    try {
      decoded = decodedCache.get(msg.data) ?? decodeGossipMessage(msg.data)
    } catch (err) {
      const { verdict, code } = verdictOf(err)
      return count('message', verdict, code)
    }
    const origin = { from: msg.from.toString(), propagationSource: source.toString() }
    const label = `${decoded.type}s`
    try {
      switch (decoded.type) {
        case 'order':
          return count(
            label,
            Verdict.Accept,
            acceptOrder(validateOrder(validationContext(), decoded.order, origin), msg.data),
          )
        case 'cancel': {
          const id = validateCancel(validationContext(), decoded.cancel, origin)
          addCancel(state(decoded.cancel.cancel.interval), id, decoded.cancel, 'gossip', msg.data)
          return count(label, Verdict.Accept, GossipCode.Accepted)
        }
        case 'digest':
          acceptDigest(decoded.digest, origin.from)
          return count(label, Verdict.Accept, GossipCode.Accepted)
        case 'result':
          acceptResult(decoded.result, origin.from, msg.data)
          return count(label, Verdict.Accept, GossipCode.Accepted)
      }
    } catch (err) {
      const { verdict, code } = verdictOf(err)
      if (!(err instanceof GossipValidationError)) log?.error({ err }, 'validator failed')
      return count(label, verdict, code)
    }
  }

  function acceptOrder(order: VerifiedOrder, data: Uint8Array): GossipCode {
    const st = state(order.order.interval)
    const equivocation = (st.slots.get(`${order.order.account}:${order.order.nonce}`)?.size ?? 0) > 0
    addOrder(st, order, 'gossip', data)
    return equivocation ? GossipCode.Equivocation : GossipCode.Accepted
  }

  function announcementWindow(k: bigint): GossipValidationError | undefined {
    const now = init.clock.now()
    // IGNORE: announcements before gate closure (a peer's clock is off) or long after the decision.
    if (now < gateClosureMs(init.marketTime, Number(k)))
      return new GossipValidationError(Verdict.Ignore, GossipCode.Late)
    if (now > decideAt(k) + init.marketTime.lengthS * 1000) {
      return new GossipValidationError(Verdict.Ignore, GossipCode.Stale)
    }
    return undefined
  }

  function checkAnnouncer(from: string, announcer: Address): void {
    // REJECT: only registered households' digests and results count.
    if (!init.registry.has(announcer)) throw new GossipValidationError(Verdict.Reject, GossipCode.Unregistered)
    // REJECT: a peer bound to one household publishing another's announcement.
    const bound = bindings?.accountOf(from)
    if (bound !== undefined && bound !== announcer) {
      throw new GossipValidationError(Verdict.Reject, GossipCode.WrongPublisher)
    }
  }

  function acceptDigest(signed: Signed<IntervalDigest>, from: string): void {
    const d = signed.body
    let ids: readonly Hex[] | undefined
    try {
      // REJECT: inconsistent (order of ids, set hash) or badly signed digests.
      ids = checkDigest(domain, init.market, signed)
    } catch (err) {
      throw new GossipValidationError(Verdict.Reject, GossipCode.Shape, undefined, err)
    }
    const late = announcementWindow(d.interval)
    if (late) throw late
    checkAnnouncer(from, d.account)
    const st = state(d.interval)
    // IGNORE: a second, different digest from one household: the first one counts (and the conflict is counted).
    if (st.digests.has(d.account)) throw new GossipValidationError(Verdict.Ignore, GossipCode.Conflict)
    const hash = d.setHash.toLowerCase() as Hex
    st.digests.set(d.account, hash)
    st.digestPeers.set(d.account, from)
    if (ids && !st.sets.has(hash)) st.sets.set(hash, ids)
    notify(st)
  }

  function acceptResult(signed: Signed<ResultAnnouncement>, from: string, data: Uint8Array): void {
    const r = signed.body
    try {
      // REJECT: badly signed results.
      checkResult(domain, init.market, signed)
    } catch (err) {
      throw new GossipValidationError(Verdict.Reject, GossipCode.Shape, undefined, err)
    }
    const late = announcementWindow(r.interval)
    if (late) throw late
    checkAnnouncer(from, r.account)
    // IGNORE: the same root again. A household that re-reconciled publishes its new root: the latest counts.
    if (!recordResult(state(r.interval), r, from, data)) {
      throw new GossipValidationError(Verdict.Ignore, GossipCode.Duplicate)
    }
  }

  /** Counts a checked result announcement (the latest root of each household); false if it repeats one. */
  function recordResult(st: IntervalState, r: ResultAnnouncement, peer: string, data: Uint8Array): boolean {
    if (st.results.get(r.account) === r.root) return false
    st.results.set(r.account, r.root)
    st.resultPeers.set(r.account, peer)
    st.resultMsgs.set(r.account, data)
    notify(st)
    if (st.late) confirmLate(st, st.late)
    return true
  }

  function count(topic: string, verdict: Verdict, code: string): Verdict {
    metrics.validation(topic, verdict, code)
    return verdict
  }

  // --- reconciliation ---------------------------------------------------------------------------------------

  /**
   * Messages fetched from a peer pass the same checks as on gossip, minus timing (they were on time for at least
   * f + 1 households) and minus the rate limit: they carry their own signatures, the sender is not trusted.
   */
  function acceptFetched(st: IntervalState, wanted: Set<Hex>, m: GossipMessage): Hex | undefined {
    try {
      if (m.type === 'order') {
        const o = verifyOrder(m.order, { domain, market: init.market })
        const id = o.id.toLowerCase() as Hex
        if (o.order.interval !== st.k || !wanted.has(id) || !init.registry.has(o.order.account)) throw new Error()
        if (o.order.nonce >= BigInt(maxOrders)) throw new Error('nonce range')
        addOrder(st, o, 'reconcile')
        return id
      }
      if (m.type === 'cancel') {
        const id = verifyCancel(m.cancel, { domain, market: init.market }).toLowerCase() as Hex
        if (m.cancel.cancel.interval !== st.k || !wanted.has(id) || !init.registry.has(m.cancel.cancel.account)) {
          throw new Error('unwanted')
        }
        addCancel(st, id, m.cancel, 'reconcile')
        return id
      }
      throw new Error('not an order or cancel')
    } catch {
      metrics.reconcile('bad_message')
      return undefined
    }
  }

  const holds = (st: IntervalState, id: Hex) => st.orders.has(id) || st.cancels.has(id)

  function peersByPreference(peers: Iterable<string>): string[] {
    const connected = new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()))
    return [...new Set(peers)].sort((a, b) => Number(connected.has(b)) - Number(connected.has(a)))
  }

  async function ask(
    peer: string,
    req: { k: bigint; ids: Hex[]; wantClearedIds?: boolean; setHash?: Hex; wantResults?: boolean },
    signal: AbortSignal,
  ) {
    if (init.faults?.drop()) {
      metrics.reconcile('dropped')
      throw new Error('request lost (fault injection)')
    }
    const target = libp2p.getConnections().find((c) => c.remotePeer.toString() === peer)?.remotePeer
    if (!target) throw new Error('not connected')
    metrics.reconcile('request')
    return requestReconcile(libp2p, target, { market: init.market, interval: req.k, ...req }, limits, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(init.reconcileTimeoutMs ?? 2000)]),
    })
  }

  /** Each household's digested set, for those whose ids are known here. */
  function digestSets(st: IntervalState): Map<Address, readonly Hex[]> {
    const out = new Map<Address, readonly Hex[]>()
    for (const [acct, hash] of st.digests) {
      const ids = st.sets.get(hash)
      if (ids) out.set(acct, ids)
    }
    return out
  }

  /**
   * Fetches the ids of the digested sets that were not listed and are not known here, from households that
   * announced them, then from any bound neighbour (which may have fetched the set itself). The hash signed in the
   * digest is the check: the peer is not trusted. A set nobody serves counts as supporting nothing.
   */
  async function resolveSets(st: IntervalState, signal: AbortSignal): Promise<void> {
    const unknown = new Map<Hex, string[]>()
    for (const [acct, hash] of st.digests) {
      if (st.sets.has(hash)) continue
      const peers = unknown.get(hash) ?? []
      const peer = st.digestPeers.get(acct)
      if (peer) peers.push(peer)
      unknown.set(hash, peers)
    }
    if (unknown.size === 0) return
    const bound = libp2p
      .getConnections()
      .map((c) => c.remotePeer.toString())
      .filter((p) => bindings?.accountOf(p) !== undefined)
    await Promise.all([...unknown].map(([hash, peers]) => resolveSet(st, hash, [...peers, ...bound], signal)))
  }

  async function resolveSet(st: IntervalState, hash: Hex, peers: string[], signal: AbortSignal): Promise<void> {
    for (const peer of peersByPreference(peers).slice(0, 4)) {
      if (signal.aborted) return
      try {
        const reply = await ask(peer, { k: st.k, ids: [], setHash: hash }, signal)
        if (!reply.setIds?.length) continue
        st.sets.set(hash, checkSetIds(reply.setIds, hash))
        metrics.reconcile('set_resolved')
        return
      } catch (err) {
        metrics.reconcile('set_failed')
        log?.debug({ peer, err }, 'set request failed')
      }
    }
  }

  /** Fetches `ids` from peers that advertised them; returns those still missing. */
  async function fetchMissing(st: IntervalState, ids: readonly Hex[], signal: AbortSignal): Promise<Set<Hex>> {
    const missing = new Set(ids.filter((id) => !holds(st, id)))
    if (missing.size === 0) return missing
    const holders = new Map<string, Hex[]>()
    for (const [acct, listed] of digestSets(st)) {
      const peer = st.digestPeers.get(acct)
      if (!peer || peer === libp2p.peerId.toString()) continue
      holders.set(
        peer,
        listed.filter((id) => missing.has(id)),
      )
    }
    // Then any connected household: it may have fetched the order itself.
    for (const c of libp2p.getConnections()) {
      const p = c.remotePeer.toString()
      if (!holders.has(p) && bindings?.accountOf(p)) holders.set(p, [...missing])
    }
    for (const peer of peersByPreference(holders.keys())) {
      if (missing.size === 0 || signal.aborted) break
      const want = holders.get(peer)!.filter((id) => missing.has(id))
      if (want.length === 0) continue
      try {
        const reply = await ask(peer, { k: st.k, ids: want }, signal)
        const wanted = new Set(want)
        for (const m of reply.messages) {
          const id = acceptFetched(st, wanted, m)
          if (id) missing.delete(id)
        }
        metrics.reconcile('ok')
      } catch (err) {
        metrics.reconcile('failed')
        log?.debug({ peer, err }, 'reconcile request failed')
      }
    }
    return missing
  }

  function clearSet(st: IntervalState, ids: readonly Hex[]) {
    const orders = ids.flatMap((id) => st.orders.get(id) ?? [])
    const cancels = ids.flatMap((id) => st.cancels.get(id) ?? [])
    const result = clear(orders, { ...init.clearing, interval: st.k, lengthS: init.marketTime.lengthS }, cancels)
    return { result, orders, cancels, setHash: setHash(ids) }
  }

  async function publish(data: Uint8Array): Promise<void> {
    try {
      await pubsub.publish(topic, data)
    } catch (err) {
      log?.warn({ err, topic }, 'publish failed')
    }
  }

  // --- one interval, from gate closure to decision ----------------------------------------------------------

  async function runInterval(k: bigint, signal: AbortSignal): Promise<void> {
    await init.clock.sleepUntil(freezeAt(k), signal)
    const st = state(k)
    const frozen = sortIds(st.onTime)
    const digest = makeDigest(init.privateKey, domain, account, init.market, k, frozen, init.digestListMax ?? 0)
    st.sets.set(digest.body.setHash, frozen)
    st.digests.set(account, digest.body.setHash)
    // Households announce spread over the first half of the window, not all in the same instant.
    await init.clock.sleepUntil(freezeAt(k) + Math.floor((jitter * timing.digestWindowMs) / 2), signal)
    await publish(encodeGossip({ type: 'digest', digest }))

    await init.clock.sleepUntil(clearAt(k), signal)
    const fetchBy = clockDeadline(clearAt(k) + timing.resultWindowMs / 2, signal)
    const { wanted, unreachable } = await reconcileSet(st, fetchBy.signal).finally(() => fetchBy.abort())
    signal.throwIfAborted()
    const ids = wanted.filter((id) => !unreachable.has(id))
    let cleared = clearSet(st, ids)
    st.cleared = ids
    st.results.set(account, cleared.result.root)
    await init.clock.sleepUntil(clearAt(k) + Math.floor((jitter * timing.resultWindowMs) / 2), signal)
    await announce(st, cleared)

    await waitUntil(
      st,
      () => (st.results.size > 0 && tally(st.results, rules.quorum).quorumRoot) !== undefined,
      decideAt(k),
      signal,
    )
    let t = tally(st.results, rules.quorum)
    let adopted = false
    if (t.quorumRoot !== undefined && t.quorumRoot !== cleared.result.root) {
      const adoptBy = clockDeadline(decideAt(k) + timing.resultWindowMs, signal)
      const again = await adopt(st, t.quorumRoot, adoptBy.signal).finally(() => adoptBy.abort())
      signal.throwIfAborted()
      if (again) {
        cleared = again
        adopted = true
        await announce(st, cleared)
        t = tally(st.results, rules.quorum)
      }
    }
    decide(st, cleared, t, adopted)
  }

  /** The interval's set (ids with f + 1 supporters among the digests whose set is known) and what of it we lack. */
  async function reconcileSet(st: IntervalState, signal: AbortSignal) {
    await resolveSets(st, signal)
    const wanted = finalSet(digestSets(st), rules.maxFaulty)
    return { wanted, unreachable: await fetchMissing(st, wanted, signal) }
  }

  async function announce(st: IntervalState, c: ReturnType<typeof clearSet>): Promise<void> {
    st.results.set(account, c.result.root)
    notify(st)
    const result = makeResult(init.privateKey, domain, {
      market: init.market,
      interval: st.k,
      setHash: c.setHash,
      root: c.result.root,
      tradeCount: c.result.trades.length,
      account,
    })
    const data = encodeGossip({ type: 'result', result })
    st.resultMsgs.set(account, data)
    await publish(data)
  }

  /** Re-reconciles to the set a quorum cleared: asks its voters for their ids, fetches, recomputes, checks. */
  async function adopt(st: IntervalState, root: Hex, signal: AbortSignal) {
    metrics.reconcile('adopt_attempt')
    const voters = [...st.results].filter(([a, r]) => r === root && a !== account).map(([a]) => st.resultPeers.get(a))
    for (const peer of peersByPreference(voters.filter((p): p is string => p !== undefined)).slice(0, 4)) {
      try {
        const reply = await ask(peer, { k: st.k, ids: [], wantClearedIds: true }, signal)
        const ids = sortIds(reply.clearedIds ?? [])
        const missing = ids.filter((id) => !holds(st, id))
        if (missing.length > 0) {
          const more = await ask(peer, { k: st.k, ids: missing }, signal)
          const wanted = new Set(missing)
          for (const m of more.messages) acceptFetched(st, wanted, m)
        }
        if (ids.some((id) => !holds(st, id))) continue
        const c = clearSet(st, ids)
        // Never trust the peer: its set must reproduce the root a quorum of households signed.
        if (c.result.root === root) {
          st.cleared = ids
          metrics.reconcile('adopted')
          return c
        }
      } catch (err) {
        log?.debug({ peer, err }, 'adoption request failed')
      }
    }
    return undefined
  }

  function decide(st: IntervalState, c: ReturnType<typeof clearSet>, t: Tally, adopted: boolean): void {
    st.decided = true
    const agreed = t.quorumRoot === c.result.root
    const outcome: IntervalOutcome = {
      interval: st.k,
      root: c.result.root,
      result: c.result,
      orders: c.orders,
      cancels: c.cancels,
      setHash: c.setHash,
      agreed,
      adopted,
      quorum: {
        needed: rules.quorum,
        votesForRoot: t.votes.get(c.result.root) ?? 0,
        voters: t.voters,
        registered: init.registry.size,
        quorumRoot: t.quorumRoot,
      },
      ...(agreed ? {} : { reason: t.quorumRoot === undefined ? 'NO_QUORUM' : 'DISAGREE' }),
    }
    metrics.interval(
      agreed ? (adopted ? 'adopted' : 'agreed') : outcome.reason === 'NO_QUORUM' ? 'no_quorum' : 'disagree',
    )
    if (!agreed) {
      st.late = outcome
      log?.warn({ interval: st.k, root: c.result.root, quorum: outcome.quorum }, 'interval not agreed')
      for (const cb of disagreeCbs) cb(outcome)
    }
    for (const cb of resultCbs) cb(outcome)
    for (const old of states.keys()) if (old < st.k - 8n) states.delete(old)
    if (agreed) catchUp(st)
  }

  /**
   * After an interval agreed (on time or late), earlier intervals still decided without a quorum (a partition
   * that healed, results lost) ask up to three connected households that voted with us for the results they
   * hold: with them a quorum may form late, and `confirmLate` confirms or repairs the interval.
   */
  function catchUp(agreed: IntervalState): void {
    const root = agreed.results.get(account)
    const voters = [...agreed.results]
      .filter(([a, r]) => a !== account && r === root)
      .flatMap(([a]) => agreed.resultPeers.get(a) ?? [])
    const connected = new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()))
    const peers = voters.filter((p) => connected.has(p)).slice(0, 3)
    for (const st of states.values()) if (st.k < agreed.k && st.late) track(fetchResults(st, peers, abort.signal))
  }

  async function fetchResults(st: IntervalState, peers: readonly string[], signal: AbortSignal): Promise<void> {
    for (const peer of peers) {
      if (!st.late) return
      try {
        const reply = await ask(peer, { k: st.k, ids: [], wantResults: true }, signal)
        metrics.reconcile('results_fetched')
        for (const m of reply.results) acceptFetchedResult(st, m, peer)
      } catch (err) {
        log?.debug({ peer, err }, 'results request failed')
      }
    }
    // A quorum that was already known but whose repair failed (a slow peer, a deadline) is tried again.
    if (st.late) confirmLate(st, st.late)
  }

  /**
   * A result fetched from a peer: checked like one from gossip, minus timing (it is signed by its household). It
   * only fills a household's missing vote: a peer may hold an older root of a household that has since repaired.
   */
  function acceptFetchedResult(st: IntervalState, m: GossipMessage, peer: string): void {
    try {
      if (m.type !== 'result' || m.result.body.interval !== st.k) throw new Error('not a result of this interval')
      if (!init.registry.has(m.result.body.account)) throw new Error('unregistered')
      checkResult(domain, init.market, m.result)
      if (!st.results.has(m.result.body.account)) recordResult(st, m.result.body, peer, encodeGossip(m))
    } catch {
      metrics.reconcile('bad_message')
    }
  }

  /**
   * An interval decided without a quorum is emitted again, once, when results arriving later form a quorum: on
   * our own root (confirmed), or on another root that we then reproduce by reconciliation (repaired). The
   * settlement batcher may settle it then.
   */
  function confirmLate(st: IntervalState, prev: IntervalOutcome): void {
    const t = tally(st.results, rules.quorum)
    if (t.quorumRoot === undefined) return
    st.late = undefined
    if (t.quorumRoot === prev.root) {
      emitLate(st, prev, prev, false)
      return
    }
    // A quorum formed on another root after we decided: repair to it (the same checks as before deciding).
    const signal = abort.signal
    track(
      (async () => {
        const by = clockDeadline(init.clock.now() + timing.resultWindowMs, signal)
        const c = await adopt(st, t.quorumRoot!, by.signal).finally(() => by.abort())
        if (!c) {
          st.late = prev
          return
        }
        await announce(st, c)
        const repaired = { ...prev, root: c.result.root, result: c.result, orders: c.orders, cancels: c.cancels }
        emitLate(st, { ...repaired, setHash: c.setHash }, prev, true)
      })(),
    )
  }

  function emitLate(st: IntervalState, base: IntervalOutcome, prev: IntervalOutcome, adopted: boolean): void {
    const t = tally(st.results, rules.quorum)
    metrics.interval(adopted ? 'adopted_late' : 'agreed_late')
    const { reason: _reason, ...rest } = base
    const quorum = {
      ...prev.quorum,
      votesForRoot: t.votes.get(base.root) ?? 0,
      voters: t.voters,
      quorumRoot: t.quorumRoot,
    }
    const outcome: IntervalOutcome = { ...rest, agreed: true, adopted: adopted || base.adopted, quorum }
    for (const cb of resultCbs) cb(outcome)
    catchUp(st)
  }

  /** An abort controller that fires when the clock reaches `untilMs` (or `signal` aborts); abort it when done. */
  function clockDeadline(untilMs: number, signal: AbortSignal): AbortController {
    const c = new AbortController()
    const stop = AbortSignal.any([signal, c.signal])
    init.clock.sleepUntil(untilMs, stop).then(
      () => c.abort(new Error('deadline')),
      () => c.abort(signal.reason),
    )
    return c
  }

  async function waitUntil(st: IntervalState, done: () => boolean, untilMs: number, signal: AbortSignal) {
    while (!done() && init.clock.now() < untilMs) {
      const stop = new AbortController()
      const sleep = init.clock.sleepUntil(untilMs, AbortSignal.any([signal, stop.signal])).catch(() => {})
      await Promise.race([st.changed, sleep])
      stop.abort()
      signal.throwIfAborted()
    }
  }

  async function schedule(signal: AbortSignal): Promise<void> {
    let k = BigInt(nextOpenInterval(init.marketTime, init.clock.now()))
    while (!signal.aborted) {
      track(runInterval(k, signal))
      await init.clock.sleepUntil(acceptUntil(k), signal)
      k++
    }
  }

  function track(p: Promise<void>): void {
    const t = p.catch((err) => {
      if (!abort.signal.aborted) log?.error({ err }, 'interval task failed')
    })
    tasks.add(t)
    t.finally(() => tasks.delete(t))
  }

  const node: MarketNode = {
    peerId: libp2p.peerId,
    account,
    libp2p,
    multiaddrs: () => libp2p.getMultiaddrs(),
    async start() {
      abort = new AbortController()
      if (init.faults) restoreFaults = injectGossipFaults(pubsub, init.faults)
      pubsub.topicValidators.set(topic, (s, m) => validateMessage(s, m) as never)
      libp2p.addEventListener('peer:connect', (evt) => {
        void bindings?.exchange(evt.detail)
      })
      await libp2p.start()
      await bindings!.start()
      await serveReconcile(libp2p, {
        market: init.market,
        limits,
        allowed: (p) => bindings?.accountOf(p) !== undefined,
        store: {
          message: (k, id) => states.get(k)?.encoded.get(id.toLowerCase() as Hex),
          clearedIds: (k) => states.get(k)?.cleared,
          setIds: (k, hash) => states.get(k)?.sets.get(hash.toLowerCase() as Hex),
          results: (k) => [...(states.get(k)?.resultMsgs.values() ?? [])],
        },
      })
      pubsub.subscribe(topic)
      track(schedule(abort.signal))
    },
    async stop() {
      abort.abort(new Error('stopped'))
      await Promise.all([...tasks])
      restoreFaults?.()
      await bindings?.stop()
      await libp2p.stop()
      states.clear()
    },
    async submitOrder(signed) {
      const o = verifyOrder(signed, {
        domain,
        market: init.market,
        time: init.marketTime,
        nowMs: init.clock.now(),
        maxIntervalsAhead,
      })
      if (o.order.account !== account) throw new Error(`order account ${o.order.account} is not this node's ${account}`)
      if (o.order.nonce >= BigInt(maxOrders)) throw new Error(`nonce must be < ${maxOrders}`)
      const data = encodeGossip({ type: 'order', order: o })
      addOrder(state(o.order.interval), o, 'local', data)
      await publish(data)
      return o
    },
    async submitCancel(signed) {
      const { cancel } = signed
      if (cancel.account !== account) throw new Error(`cancel account ${cancel.account} is not this node's ${account}`)
      if (!acceptsOrdersAt(init.marketTime, Number(cancel.interval), init.clock.now())) {
        throw new Error(`gate closure of interval ${cancel.interval} has passed`)
      }
      const id = verifyCancel(signed, { domain, market: init.market })
      const data = encodeGossip({ type: 'cancel', cancel: signed })
      addCancel(state(cancel.interval), id, signed, 'local', data)
      await publish(data)
      return id
    },
    hasOrder: (id) => [...states.values()].some((st) => holds(st, id.toLowerCase() as Hex)),
    onResult: (cb) => subscribe(resultCbs, cb),
    onOrder: (cb) => subscribe(orderCbs, cb),
    onDisagreement: (cb) => subscribe(disagreeCbs, cb),
    results: (signal) => outcomes(node, signal),
    stats: () => ({
      peers: libp2p.getPeers().length,
      boundPeers: bindings?.size ?? 0,
      meshPeers: pubsub.getMeshPeers(topic).length,
      bytesSent: bytesCount.counts.sent,
      bytesReceived: bytesCount.counts.received,
      ...metrics.snapshot(),
    }),
  }
  return node
}

function subscribe<T>(set: Set<T>, cb: T): () => void {
  set.add(cb)
  return () => set.delete(cb)
}

async function* outcomes(node: MarketNode, signal?: AbortSignal): AsyncIterable<IntervalOutcome> {
  const queue: IntervalOutcome[] = []
  let wake: (() => void) | undefined
  const off = node.onResult((o) => {
    queue.push(o)
    wake?.()
  })
  try {
    while (!signal?.aborted) {
      const next = queue.shift()
      if (next) {
        yield next
        continue
      }
      await new Promise<void>((r) => {
        wake = r
        signal?.addEventListener('abort', () => r(), { once: true })
      })
    }
  } finally {
    off()
  }
}

/**
 * Decoded gossip messages by their bytes: gossipsub hands the same `data` array to the message-id function and
 * then to the validator, so each message is decoded once.
 */
const decodedCache = new WeakMap<Uint8Array, GossipMessage>()

/**
 * Gossip message id = content id: an order's EIP-712 hash (so the same order published twice, or re-signed, is
 * one message), a cancel's EIP-712 hash, sha256 of the bytes for digests, results and undecodable junk.
 */
function messageId(domain: MarketDomain, msg: Message): Uint8Array {
  try {
    const m = decodeGossip(msg.data)
    decodedCache.set(msg.data, m)
    if (m.type === 'order') return hashOrderBytes(domain, m.order.order)
    if (m.type === 'cancel') return hashCancelBytes(domain, m.cancel.cancel)
  } catch {
    // junk still needs an id so gossip can drop and score it
  }
  return createHash('sha256').update(msg.data).digest()
}

/** The default libp2p identity of a household: an Ed25519 key derived from its account key. */
export async function derivePeerKey(privateKey: Hex): Promise<PrivateKey> {
  const seed = hexToBytes(keccak256(concat([stringToHex('gridlet libp2p identity v1'), privateKey])))
  return generateKeyPairFromSeed('Ed25519', seed)
}
