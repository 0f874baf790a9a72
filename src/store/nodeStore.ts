import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { Hex } from 'viem'
import type { ClearingResult as MarketResult } from '../core/market/types.js'
import type { MeterReading } from '../core/meter/reading.js'
import type { VerifiedOrder } from '../core/order/types.js'
import type { Attestation } from '../core/protocol/announcements.js'
import { decodeResult, decodeSigned, encodeSigned, toJson } from './codec.js'
import { transaction } from './openStore.js'

/**
 * cleared: has trades for us to submit, not handed off yet; queued: in the settlement outbox; nothing: no trade for
 * us to submit; disputed: peers concluded differently (not settled); unconfirmed: no agreed outcome arrived (not
 * settled).
 */
export type ResultStatus = 'cleared' | 'queued' | 'nothing' | 'disputed' | 'unconfirmed'

export interface StoredResult {
  readonly interval: number
  readonly result: MarketResult
  readonly orderCount: number
  readonly status: ResultStatus
  readonly peersAgreeing: number
  readonly peersDiffering: number
  readonly createdMs: number
  /** The quorum's signed votes for the root, as the network delivered them (what settlement submits). */
  readonly attestations: readonly Attestation[]
}

export interface OwnOrderRow {
  readonly interval: number
  readonly nonce: number
  readonly order: VerifiedOrder
  readonly publishedMs: number | null
}

export interface IntervalSummary {
  readonly interval: number
  /** Energy imported and exported during the interval, from the meter's counters. */
  readonly measuredImportWh: number | null
  readonly measuredExportWh: number | null
  readonly measuredNetWh: number | null
  readonly forecastNetWh: number | null
  readonly tradedNetWh: number
  readonly imbalanceWh: number | null
  readonly earnings: bigint
}

type Row = Record<string, unknown>

/**
 * Typed access to the node's SQLite database. Every write that precedes an action (reading before it is counted,
 * decision + signed orders before publishing, result before settlement) is a committed transaction.
 */
export class NodeStore {
  readonly db: DatabaseSync
  readonly #st: Record<string, StatementSync>

  constructor(db: DatabaseSync) {
    this.db = db
    const p = (sql: string) => db.prepare(sql)
    this.#st = {
      insertReading: p('INSERT INTO readings (ts, power_w, import_wh, export_wh) VALUES (?, ?, ?, ?)'),
      latestReading: p('SELECT * FROM readings ORDER BY id DESC LIMIT 1'),
      readingAtOrBefore: p('SELECT * FROM readings WHERE ts <= ? ORDER BY ts DESC, id DESC LIMIT 1'),
      readingAtOrAfter: p('SELECT * FROM readings WHERE ts >= ? ORDER BY ts ASC, id ASC LIMIT 1'),
      readingsSince: p('SELECT * FROM readings WHERE ts >= ? ORDER BY ts ASC, id ASC LIMIT ?'),
      countReadings: p('SELECT count(*) AS n FROM readings'),
      pruneReadings: p('DELETE FROM readings WHERE ts < ?'),
      pruneReceived: p('DELETE FROM received_orders WHERE interval < ?'),
      decision: p('SELECT * FROM decisions WHERE interval = ?'),
      insertDecision: p('INSERT INTO decisions (interval, decided_ms, forecast_net_wh, note) VALUES (?, ?, ?, ?)'),
      insertOwn: p(
        'INSERT INTO own_orders (interval, nonce, order_id, side, quantity_wh, limit_price, signed) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      ownOrders: p('SELECT * FROM own_orders WHERE interval = ? ORDER BY nonce'),
      unpublished: p('SELECT * FROM own_orders WHERE published_ms IS NULL AND interval >= ? ORDER BY interval, nonce'),
      markPublished: p('UPDATE own_orders SET published_ms = ? WHERE order_id = ? AND published_ms IS NULL'),
      recentOwn: p('SELECT * FROM own_orders ORDER BY interval DESC, nonce DESC LIMIT ?'),
      insertReceived: p(
        'INSERT OR IGNORE INTO received_orders (interval, order_id, account, nonce, signed, received_ms) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      received: p('SELECT signed FROM received_orders WHERE interval = ? ORDER BY order_id'),
      countReceived: p('SELECT count(*) AS n FROM received_orders WHERE interval = ?'),
      insertResult: p(
        'INSERT INTO results (interval, root, result, order_count, status, peers_agreeing, peers_differing, created_ms, attestations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      result: p('SELECT * FROM results WHERE interval = ?'),
      replaceResult: p(
        "UPDATE results SET root = ?, result = ?, order_count = ?, status = ?, peers_agreeing = ?, peers_differing = ?, attestations = ? WHERE interval = ? AND status IN ('cleared', 'nothing', 'unconfirmed')",
      ),
      resultsWithStatus: p('SELECT * FROM results WHERE status = ? ORDER BY interval'),
      openResults: p(
        "SELECT * FROM results WHERE status IN ('cleared', 'nothing') AND interval >= ? ORDER BY interval",
      ),
      setStatus: p('UPDATE results SET status = ?, peers_agreeing = ?, peers_differing = ? WHERE interval = ?'),
      recentResults: p('SELECT * FROM results ORDER BY interval DESC LIMIT ?'),
      pendingSummary: p(
        'SELECT interval FROM decisions WHERE interval NOT IN (SELECT interval FROM interval_summaries) AND interval < ? ORDER BY interval',
      ),
      insertSummary: p(`INSERT OR IGNORE INTO interval_summaries
        (interval, measured_import_wh, measured_export_wh, measured_net_wh, forecast_net_wh, traded_net_wh,
         imbalance_wh, earnings, created_ms)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      recentSummaries: p('SELECT * FROM interval_summaries ORDER BY interval DESC LIMIT ?'),
      totalEarnings: p('SELECT earnings FROM interval_summaries'),
      getMeta: p('SELECT value FROM meta WHERE key = ?'),
      setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    }
  }

  /** Stores a reading; once this returns the reading is durable (acknowledged). */
  insertReading(r: MeterReading): void {
    this.#st.insertReading!.run(r.ts, Math.round(r.powerW), r.importWh, r.exportWh)
  }

  latestReading(): MeterReading | undefined {
    return readingOf(this.#st.latestReading!.get() as Row | undefined)
  }

  /**
   * The reading that stands for the counters at `ts`: the first at or after it, else the last before it, within
   * `maxAfterMs` either way (a longer gap leaves the interval unmeasured rather than misattributed). After first: a meter that updates its registers once per interval shows an interval's start values
   * only from that start on, and a poll at an interval boundary completes a moment after it.
   */
  readingNear(ts: number, maxAfterMs: number): MeterReading | undefined {
    const after = readingOf(this.#st.readingAtOrAfter!.get(ts) as Row | undefined)
    if (after && after.ts - ts <= maxAfterMs) return after
    const before = readingOf(this.#st.readingAtOrBefore!.get(ts) as Row | undefined)
    return before && ts - before.ts <= maxAfterMs ? before : undefined
  }

  readingsSince(ts: number, limit = 2000): MeterReading[] {
    return (this.#st.readingsSince!.all(ts, limit) as Row[]).map((r) => readingOf(r)!)
  }

  readingCount(): number {
    return Number((this.#st.countReadings!.get() as Row).n)
  }

  pruneReadings(beforeMs: number): number {
    return Number(this.#st.pruneReadings!.run(beforeMs).changes)
  }

  /** Peers' orders of intervals before `interval` (results and own orders are kept). */
  pruneReceived(beforeInterval: number): number {
    return Number(this.#st.pruneReceived!.run(beforeInterval).changes)
  }

  hasDecision(interval: number): boolean {
    return this.#st.decision!.get(interval) !== undefined
  }

  decisionForecast(interval: number): number | undefined {
    const row = this.#st.decision!.get(interval) as Row | undefined
    return row === undefined ? undefined : Number(row.forecast_net_wh)
  }

  /**
   * Records the decision for `interval` and its signed orders atomically. Throws if a decision exists: the
   * (interval, nonce) primary key makes a second, conflicting signed order impossible to store.
   */
  saveDecision(
    interval: number,
    decidedMs: number,
    forecastNetWh: number,
    orders: readonly VerifiedOrder[],
    note = '',
  ): void {
    transaction(this.db, () => {
      this.#st.insertDecision!.run(interval, decidedMs, Math.round(forecastNetWh), note)
      for (const o of orders) {
        this.#st.insertOwn!.run(
          interval,
          Number(o.order.nonce),
          o.id,
          o.order.side,
          o.order.quantityWh.toString(),
          o.order.limitPrice.toString(),
          encodeSigned(o),
        )
      }
    })
  }

  ownOrders(interval: number): OwnOrderRow[] {
    return (this.#st.ownOrders!.all(interval) as Row[]).map(ownOf)
  }

  /** Own orders not yet published, for intervals >= `fromInterval` (older ones are past their gate). */
  unpublishedOrders(fromInterval: number): OwnOrderRow[] {
    return (this.#st.unpublished!.all(fromInterval) as Row[]).map(ownOf)
  }

  markPublished(orderId: Hex, ms: number): void {
    this.#st.markPublished!.run(ms, orderId)
  }

  recentOwnOrders(limit: number): OwnOrderRow[] {
    return (this.#st.recentOwn!.all(limit) as Row[]).map(ownOf)
  }

  /** Stores a verified order from a peer; returns false if it was already stored. */
  insertReceived(o: VerifiedOrder, receivedMs: number): boolean {
    const r = this.#st.insertReceived!.run(
      Number(o.order.interval),
      o.id,
      o.order.account.toLowerCase(),
      Number(o.order.nonce),
      encodeSigned(o),
      receivedMs,
    )
    return Number(r.changes) > 0
  }

  receivedOrders(interval: number): VerifiedOrder[] {
    return (this.#st.received!.all(interval) as Row[]).map((r) => decodeSigned(r.signed as string))
  }

  receivedCount(interval: number): number {
    return Number((this.#st.countReceived!.get(interval) as Row).n)
  }

  saveResult(
    result: MarketResult,
    orderCount: number,
    status: ResultStatus,
    createdMs: number,
    agreeing = 0,
    differing = 0,
    attestations: readonly Attestation[] = [],
  ): void {
    this.#st.insertResult!.run(
      Number(result.interval),
      result.root,
      toJson(result),
      orderCount,
      status,
      agreeing,
      differing,
      createdMs,
      JSON.stringify(attestations),
    )
  }

  /** Replaces a result not yet handed to settlement (after reconciliation brought more orders). */
  replaceResult(
    result: MarketResult,
    orderCount: number,
    status: ResultStatus,
    agreeing = 0,
    differing = 0,
    attestations: readonly Attestation[] = [],
  ): void {
    this.#st.replaceResult!.run(
      result.root,
      toJson(result),
      orderCount,
      status,
      agreeing,
      differing,
      JSON.stringify(attestations),
      Number(result.interval),
    )
  }

  /** Results not handed off yet: every `cleared` one (however old: it is owed), `nothing` from `fromInterval` on. */
  openResults(fromInterval: number): StoredResult[] {
    return (this.#st.openResults!.all(fromInterval) as Row[]).map(resultOf)
  }

  result(interval: number): StoredResult | undefined {
    const row = this.#st.result!.get(interval) as Row | undefined
    return row && resultOf(row)
  }

  resultsWithStatus(status: ResultStatus): StoredResult[] {
    return (this.#st.resultsWithStatus!.all(status) as Row[]).map(resultOf)
  }

  setResultStatus(interval: number, status: ResultStatus, agreeing: number, differing: number): void {
    this.#st.setStatus!.run(status, agreeing, differing, interval)
  }

  recentResults(limit: number): StoredResult[] {
    return (this.#st.recentResults!.all(limit) as Row[]).map(resultOf)
  }

  intervalsToSummarise(before: number): number[] {
    return (this.#st.pendingSummary!.all(before) as Row[]).map((r) => Number(r.interval))
  }

  saveSummary(s: IntervalSummary, createdMs: number): void {
    this.#st.insertSummary!.run(
      s.interval,
      s.measuredImportWh,
      s.measuredExportWh,
      s.measuredNetWh,
      s.forecastNetWh,
      s.tradedNetWh,
      s.imbalanceWh,
      s.earnings.toString(),
      createdMs,
    )
  }

  recentSummaries(limit: number): IntervalSummary[] {
    return (this.#st.recentSummaries!.all(limit) as Row[]).map((r) => ({
      interval: Number(r.interval),
      measuredImportWh: r.measured_import_wh === null ? null : Number(r.measured_import_wh),
      measuredExportWh: r.measured_export_wh === null ? null : Number(r.measured_export_wh),
      measuredNetWh: r.measured_net_wh === null ? null : Number(r.measured_net_wh),
      forecastNetWh: r.forecast_net_wh === null ? null : Number(r.forecast_net_wh),
      tradedNetWh: Number(r.traded_net_wh),
      imbalanceWh: r.imbalance_wh === null ? null : Number(r.imbalance_wh),
      earnings: BigInt(r.earnings as string),
    }))
  }

  totalEarnings(): bigint {
    return (this.#st.totalEarnings!.all() as Row[]).reduce((sum, r) => sum + BigInt(r.earnings as string), 0n)
  }

  getMeta(key: string): string | undefined {
    return (this.#st.getMeta!.get(key) as Row | undefined)?.value as string | undefined
  }

  setMeta(key: string, value: string): void {
    this.#st.setMeta!.run(key, value)
  }
}

function readingOf(r: Row | undefined): MeterReading | undefined {
  if (!r) return undefined
  return {
    ts: Number(r.ts),
    powerW: Number(r.power_w),
    importWh: Number(r.import_wh),
    exportWh: Number(r.export_wh),
  }
}

function ownOf(r: Row): OwnOrderRow {
  return {
    interval: Number(r.interval),
    nonce: Number(r.nonce),
    order: decodeSigned(r.signed as string),
    publishedMs: r.published_ms === null ? null : Number(r.published_ms),
  }
}

function resultOf(r: Row): StoredResult {
  return {
    interval: Number(r.interval),
    result: decodeResult(r.result as string),
    orderCount: Number(r.order_count),
    status: r.status as ResultStatus,
    peersAgreeing: Number(r.peers_agreeing),
    peersDiffering: Number(r.peers_differing),
    createdMs: Number(r.created_ms),
    attestations: JSON.parse(r.attestations as string) as Attestation[],
  }
}
