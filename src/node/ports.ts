import type { DatabaseSync } from 'node:sqlite'
import type { Address, Hex } from 'viem'
import type { Forecaster } from '../core/forecast/types.js'
import type { SignedEnvelope } from '../core/market/operatingEnvelope.js'
import type { ClearingResult, ClearingRule, Trade } from '../core/market/types.js'
import type { MeterReading } from '../core/meter/reading.js'
import type { SignedOrder, VerifiedOrder } from '../core/order/types.js'
import type { Attestation } from '../core/protocol/announcements.js'
import type { Strategy } from '../core/strategy/types.js'
import type { TakenEnvelope } from '../http/postEnvelope.js'

/**
 * The narrow interfaces the node talks to, in the core's vocabulary: readings (`MeterReading`), forecasts (core
 * `Forecaster`), strategies (core `Strategy` with its `OrderIntent`s), clearing results (`ClearingResult`). Each real
 * adapter (meter, p2p, chain) is wrapped into one of these in ./adapters; tests pass fakes of the same interfaces.
 */
export type { MeterErrorKind, MeterReading } from '../core/meter/reading.js'

export interface MeterSource {
  /** Reads once; throws an error whose `code` or `kind` says why on failure. */
  read(signal?: AbortSignal): Promise<MeterReading>
  close(): Promise<void>
}

/**
 * What the node decides with: one core forecaster for the energy it imports per interval (stands for load), one
 * for the energy it exports (stands for PV surplus; the meter sees only the grid side), and a core strategy.
 */
export interface Decider {
  readonly load: Forecaster
  readonly pv: Forecaster
  readonly strategy: Strategy
}

/** The gossip market with its agreement protocol (digests, reconciliation, result quorum): orders out and in. */
export interface MarketNetwork {
  start(): Promise<void>
  stop(): Promise<void>
  /** Publishes one of our signed orders (idempotent: republishing the same order is harmless). */
  publishOrder(order: SignedOrder): Promise<void>
  /** Called for every valid order received from a peer (already verified by the network layer). */
  onOrder(handler: (order: VerifiedOrder) => void): void
  /**
   * Each interval's outcome as the network concluded it. The node stores and settles only agreed outcomes; it never
   * clears an interval itself.
   */
  onOutcome(handler: (outcome: NetworkOutcome) => void): void
  /** Number of connected market peers. */
  peerCount(): number
  /**
   * Optional: gossips the grid operator's signed envelope (`POST /api/envelope`), after checking it is the
   * operator's; throws a GridletError saying why not (`takeEnvelope`).
   */
  publishEnvelope?(signed: SignedEnvelope): Promise<TakenEnvelope>
}

/** One interval as the network's agreement protocol concluded it. */
export interface NetworkOutcome {
  readonly interval: number
  readonly result: ClearingResult
  /** The orders the result was cleared from. */
  readonly orders: readonly VerifiedOrder[]
  /** A quorum of registered households announced this root. */
  readonly agreed: boolean
  /** Why not agreed: too few roots (e.g. partitioned), or a quorum for another root. */
  readonly reason?: 'NO_QUORUM' | 'DISAGREE'
  readonly votesForRoot: number
  readonly voters: number
  /** The signed votes of the households that announced this root: the contract pays only with a quorum of them. */
  readonly attestations: readonly Attestation[]
}

/** What the node hands to settlement for one interval. */
export interface SettlementBatch {
  /** Idempotency key: one batch per (market, interval). */
  readonly key: string
  readonly interval: number
  readonly root: Hex
  readonly trades: readonly Trade[]
  /** The signed orders the trades reference (with their ids), for on-chain signature checks. */
  readonly orders: readonly VerifiedOrder[]
  /** The agreement the contract checks: the result's rule and clearing price (they are in its root) and the votes. */
  readonly agreement: {
    readonly rule: ClearingRule
    readonly clearingPrice: bigint | undefined
    readonly attestations: readonly Attestation[]
    /** A grid clearing's fee recipient (in its v2 root): the batch is settled with `settleWithFees`. */
    readonly feeRecipient?: Address
  }
}

/**
 * The settlement batcher with its durable outbox in the node's own SQLite database: `migrate` creates its tables,
 * `enqueue` writes a batch in the caller's transaction (idempotent by key), `start` runs the submit/retry loop.
 */
export interface Settlement {
  migrate(db: DatabaseSync): void
  enqueue(db: DatabaseSync, batch: SettlementBatch): void
  start(): void
  stop(): Promise<void>
  /** Batches not yet confirmed on chain, and age of the oldest in ms. */
  backlog(nowMs: number): { pending: number; oldestAgeMs: number }
  /** Optional: where an interval's settlement stands (e.g. pending, sent, confirmed, final), for the dashboard. */
  status?(interval: number): string | undefined
  /** Optional: why an interval's batch is not (yet) on chain, e.g. the contract's error, for `market status`. */
  reason?(interval: number): string | undefined
}
