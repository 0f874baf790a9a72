import type { DatabaseSync } from 'node:sqlite'
import type { Hex } from 'viem'
import type { ClearingResult, Trade } from '../core/market/types.js'
import type { Side, SignedOrder, VerifiedOrder } from '../core/order/types.js'

/**
 * The narrow interfaces the node talks to. Each real adapter (meter, forecast, strategy, p2p, chain) is wrapped
 * into one of these in ./adapters; tests pass small in-process fakes.
 */

/** One meter sample. Energy counters are the meter's cumulative registers in whole Wh. */
export interface MeterReading {
  /** Unix ms when the sample was taken (node clock). */
  readonly ts: number
  /** Net active power in W: positive = importing from the grid, negative = exporting. */
  readonly powerW: number
  readonly importWh: number
  readonly exportWh: number
}

/** Why a meter read failed; kept apart so metrics can tell a dead bus from a busy meter. */
export type MeterErrorKind = 'timeout' | 'unavailable' | 'invalid' | 'other'

export interface MeterSource {
  /** Reads once; throws an error whose `code` or `kind` says why on failure. */
  read(signal?: AbortSignal): Promise<MeterReading>
  close(): Promise<void>
}

/** Expected energy of one interval, Wh. `netWh` = production - consumption (positive: a surplus to sell). */
export interface IntervalForecast {
  readonly netWh: number
  readonly loadWh?: number
  readonly pvWh?: number
}

export interface Forecaster {
  /** Feeds a finished interval's measured energy (Wh) so the model can learn. */
  observe(interval: number, measured: { importWh: number; exportWh: number }): void
  forecast(interval: number): IntervalForecast
  /** Optional: every stored reading, for a model that can start from the current power before it has history. */
  observeReading?(reading: MeterReading): void
}

/** What the strategy would like to trade in one interval. */
export interface OrderIntent {
  readonly side: Side
  readonly quantityWh: bigint
  readonly limitPrice: bigint
}

export interface DecisionContext {
  readonly interval: number
  readonly forecast: IntervalForecast
  readonly retailPrice: bigint
  readonly feedInPrice: bigint
  /** Most recent clearing price seen in this market, if any. */
  readonly lastClearingPrice?: bigint
}

export interface Strategy {
  decide(ctx: DecisionContext): OrderIntent[]
}

/** A cleared interval as the core computes it (`clear`): trades in canonical order and the result root. */
export type MarketResult = ClearingResult
export type { Trade }

/** The deterministic matcher (core `clear` after `selectBook`), bound to this market's parameters. */
export type ClearFn = (orders: readonly VerifiedOrder[], interval: number) => MarketResult

/** The gossip market: orders out and in, clearing roots out and in, peers. */
export interface MarketNetwork {
  start(): Promise<void>
  stop(): Promise<void>
  /** Publishes one of our signed orders (idempotent: republishing the same order is harmless). */
  publishOrder(order: SignedOrder): Promise<void>
  /** Called for every valid order received (already verified by the network layer). */
  onOrder(handler: (order: VerifiedOrder) => void): void
  /** Announces our clearing root for an interval. */
  publishResult(interval: number, root: Hex): Promise<void>
  /** Roots peers announced for an interval, one per peer. */
  peerRoots(interval: number): readonly Hex[]
  /** Number of connected market peers. */
  peerCount(): number
  /** Asks peers for orders of these intervals we may have missed (after a partition heals). */
  reconcile?(intervals: readonly number[]): Promise<void>
  /**
   * Networks that run the agreement protocol themselves (digests, reconciliation, result quorum) deliver each
   * interval's outcome here. The node then stores and settles only agreed outcomes, never its own clearing.
   */
  onOutcome?(handler: (outcome: NetworkOutcome) => void): void
}

/** One interval as the network's agreement protocol concluded it. */
export interface NetworkOutcome {
  readonly interval: number
  readonly result: MarketResult
  /** The orders the result was cleared from. */
  readonly orders: readonly VerifiedOrder[]
  /** A quorum of registered households announced this root. */
  readonly agreed: boolean
  /** Why not agreed: too few roots (e.g. partitioned), or a quorum for another root. */
  readonly reason?: 'NO_QUORUM' | 'DISAGREE'
  readonly votesForRoot: number
  readonly voters: number
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
}
