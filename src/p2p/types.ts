import type { GossipsubOpts } from '@libp2p/gossipsub'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { Address, Hex } from 'viem'
import type { EscrowCover } from '../core/market/coverEscrow.js'
import type { SignedEnvelope } from '../core/market/operatingEnvelope.js'
import type { ClearingParams, ClearingResult } from '../core/market/types.js'
import type { MarketDomain, SignedCancel, SignedOrder, VerifiedOrder } from '../core/order/types.js'
import type { Attestation } from '../core/protocol/announcements.js'
import type { Clock } from '../core/time/clock.js'
import type { MarketTime } from '../core/time/interval.js'
import type { AgreementRules } from './agreement.js'
import type { HouseholdRegistry } from './binding.js'
import type { GridletLibp2p } from './createLibp2pNode.js'
import type { HeldEnvelope, MarketGrid } from './envelopeBook.js'
import type { FaultInjector } from './faults.js'

/** The public types of the market node (createMarketNode.ts re-exports them). */

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
  /**
   * The interval's escrow cover (households registered for it and what each may spend), applied before clearing
   * by the core's `coverEscrow` (docs/protocol.md, "Escrow cover"). Absent: no cover (no chain).
   */
  escrow?: (interval: bigint) => EscrowCover | undefined
  /**
   * The grid-aware clearing (docs/grid.md): network fees by level and feeder/transformer limits, the same on every
   * node; with `envelopes`, the grid operator's signed per-interval limits arrive on the envelope topic
   * (docs/protocol.md, "Operating envelopes"). Absent: the plain market.
   */
  grid?: MarketGrid
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
  /**
   * Peers one household account may bind at a time (default 2: its node and a standby). Each bound peer gets the
   * household score bonus and keep-alive; a binding is forgotten when its peer disconnects.
   */
  maxPeersPerAccount?: number
  /** Real-time budget of one reconciliation request. Default 2000 ms. */
  reconcileTimeoutMs?: number
  faults?: FaultInjector
  logger?: Logger
  /** prom-client registry to register gridlet_p2p_* metrics in. */
  metrics?: Registry
  /**
   * Options passed to the libp2p factory (tests on one host raise these). `gossip` overrides gossipsub options
   * (benchmarks compare mesh parameters with it; production runs the defaults of `createLibp2pNode`).
   */
  libp2p?: {
    inboundConnectionThreshold?: number
    maxConnections?: number
    ipColocationWeight?: number
    gossip?: Partial<GossipsubOpts>
  }
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
    /**
     * The signed result announcements (EIP-712 `Result`, the household's account signature) of the households
     * that voted for `quorumRoot`, as this node received them: evidence for an attested on-chain settlement.
     */
    readonly attestations: readonly ResultAttestation[]
  }
  /** Why the interval is not agreed. */
  readonly reason?: 'NO_QUORUM' | 'DISAGREE'
}

/** One household's signed vote for a result root (the announcement's set hash and root are the outcome's). */
export type ResultAttestation = Attestation

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
  /** Binding exchanges by outcome (`BindingCode`). */
  readonly bindings: Readonly<Record<string, number>>
  /** Own messages held while the node had no gossip mesh (`held`) and published once it had (`retried`). */
  readonly publish: Readonly<Record<string, number>>
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
  /**
   * Publishes the grid operator's signed envelope on the market's envelope topic, once the mesh has formed
   * (`EnvelopeTopic.publish`): `P2P_ENVELOPE_LATE`, `P2P_ENVELOPE_REFUSED`, `P2P_NO_ENVELOPES` otherwise.
   */
  publishEnvelope(signed: SignedEnvelope): Promise<HeldEnvelope>
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
