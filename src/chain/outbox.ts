import type { DatabaseSync } from 'node:sqlite'
import type { Address, Hex } from 'viem'
import type { VerifiedOrder } from '../core/order/types.js'
import type { Agreement, SettlementTrade } from './encodeSettlement.js'
import { ChainError, ChainErrorCode } from './errors.js'

/**
 * The settlement outbox: one row per (settlement contract, interval), written before anything is sent, so a
 * restarted node knows what it owes the chain and which transaction it may already have broadcast.
 *
 * States: `pending` (nothing broadcast) → `sent` (a signed transaction is stored, maybe broadcast) →
 * `confirmed` (settled on chain with our root, watched for reorgs) → `final` (deep enough). `unsettleable`: the
 * contract refuses the batch and resending cannot help (e.g. InvalidSignature, OrderCancelled, the settlement window
 * closed, or InsufficientBalance still after `maxRevertRetries`); `lastError` names the reason. `conflict` means the
 * chain settled the interval with another root.
 */
export type OutboxState = 'pending' | 'sent' | 'confirmed' | 'final' | 'unsettleable' | 'conflict'

export interface OutboxEntry {
  readonly settlement: Address
  readonly interval: bigint
  readonly state: OutboxState
  /** keccak256(orderIds || trades) of our batch: what `Settled` must emit. */
  readonly root: Hex
  readonly orders: readonly VerifiedOrder[]
  readonly trades: readonly SettlementTrade[]
  /** The agreement the batch proves (undefined in rows written before attested settlement: unsettleable). */
  readonly agreement: Agreement | undefined
  /** Accounts trading in the interval: the candidate submitters. */
  readonly participants: readonly Address[]
  /** Clock ms when the entry was written; the submitter schedule counts from here. */
  readonly createdMs: number
  readonly txHash: Hex | undefined
  readonly rawTx: Hex | undefined
  readonly nonce: number | undefined
  /** Block of the `Settled` event we saw (confirmed/final). */
  readonly block: bigint | undefined
  /** Whether the `Settled` event came from our own transaction. */
  readonly byUs: boolean
  readonly attempts: number
  /** Simulations that reverted with an error that may pass later (e.g. InsufficientBalance); bounded. */
  readonly reverts: number
  readonly nextAttemptMs: number
  readonly lastError: string | undefined
}

const SCHEMA_VERSION = 2

/**
 * Creates the outbox tables if needed (idempotent, versioned in `chain_schema`). The node shares one database file
 * between adapters, so the chain adapter keeps its own version row instead of `PRAGMA user_version`.
 *
 * @example
 * const db = new DatabaseSync('.gridlet/node.sqlite')
 * migrateOutbox(db)
 */
export function migrateOutbox(db: DatabaseSync): void {
  db.exec('CREATE TABLE IF NOT EXISTS chain_schema (version INTEGER NOT NULL)')
  const row = db.prepare('SELECT version FROM chain_schema').get() as { version: number } | undefined
  const version = row?.version ?? 0
  if (version > SCHEMA_VERSION) {
    throw new ChainError(`chain outbox schema ${version} is newer than this gridlet`, {
      code: ChainErrorCode.Schema,
      field: 'chain_schema.version',
      details: `this gridlet knows schema ${SCHEMA_VERSION}: upgrade gridlet before opening this database`,
    })
  }
  if (version < 1) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS chain_outbox (
        settlement TEXT NOT NULL,
        interval INTEGER NOT NULL,
        state TEXT NOT NULL,
        root TEXT NOT NULL,
        payload TEXT NOT NULL,
        participants TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        tx_hash TEXT,
        raw_tx TEXT,
        nonce INTEGER,
        block INTEGER,
        by_us INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        PRIMARY KEY (settlement, interval)
      );
      CREATE INDEX IF NOT EXISTS chain_outbox_open ON chain_outbox (state) WHERE state IN ('pending', 'sent', 'confirmed');
    `)
  }
  if (version < 2) {
    db.exec(`
      ALTER TABLE chain_outbox ADD COLUMN reverts INTEGER NOT NULL DEFAULT 0;
      UPDATE chain_outbox SET state = 'unsettleable' WHERE state = 'failed';
    `)
  }
  db.exec('DELETE FROM chain_schema')
  db.prepare('INSERT INTO chain_schema (version) VALUES (?)').run(SCHEMA_VERSION)
}

/** Typed access to the outbox rows. */
export class Outbox {
  constructor(private readonly db: DatabaseSync) {}

  /** Inserts an entry unless the interval is already there; returns the stored entry either way. */
  insert(
    entry: Pick<
      OutboxEntry,
      'settlement' | 'interval' | 'root' | 'orders' | 'trades' | 'agreement' | 'participants' | 'createdMs'
    >,
  ): OutboxEntry {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO chain_outbox (settlement, interval, state, root, payload, participants, created_ms)
         VALUES (?, ?, 'pending', ?, ?, ?, ?)`,
      )
      .run(
        entry.settlement.toLowerCase(),
        entry.interval,
        entry.root,
        JSON.stringify({ orders: entry.orders, trades: entry.trades, agreement: entry.agreement }, bigintReplacer),
        JSON.stringify(entry.participants),
        entry.createdMs,
      )
    return this.get(entry.settlement, entry.interval)!
  }

  get(settlement: Address, interval: bigint): OutboxEntry | undefined {
    const row = this.db
      .prepare('SELECT * FROM chain_outbox WHERE settlement = ? AND interval = ?')
      .get(settlement.toLowerCase(), interval)
    return row ? fromRow(row) : undefined
  }

  /** Entries that still need work, oldest interval first. */
  open(settlement: Address): OutboxEntry[] {
    return this.db
      .prepare(
        `SELECT * FROM chain_outbox WHERE settlement = ? AND state IN ('pending', 'sent', 'confirmed') ORDER BY interval`,
      )
      .all(settlement.toLowerCase())
      .map(fromRow)
  }

  update(
    entry: OutboxEntry,
    patch: Partial<
      Pick<
        OutboxEntry,
        | 'state'
        | 'txHash'
        | 'rawTx'
        | 'nonce'
        | 'block'
        | 'byUs'
        | 'attempts'
        | 'reverts'
        | 'nextAttemptMs'
        | 'lastError'
      >
    >,
  ): OutboxEntry {
    const next = { ...entry, ...patch }
    this.db
      .prepare(
        `UPDATE chain_outbox SET state = ?, tx_hash = ?, raw_tx = ?, nonce = ?, block = ?, by_us = ?, attempts = ?,
         reverts = ?, next_attempt_ms = ?, last_error = ? WHERE settlement = ? AND interval = ?`,
      )
      .run(
        next.state,
        next.txHash ?? null,
        next.rawTx ?? null,
        next.nonce ?? null,
        next.block ?? null,
        next.byUs ? 1 : 0,
        next.attempts,
        next.reverts,
        next.nextAttemptMs,
        next.lastError ?? null,
        entry.settlement.toLowerCase(),
        entry.interval,
      )
    return next
  }
}

function fromRow(row: Record<string, unknown>): OutboxEntry {
  const payload = JSON.parse(String(row.payload), bigintReviver) as Pick<OutboxEntry, 'orders' | 'trades'> & {
    agreement?: Agreement
  }
  return {
    settlement: row.settlement as Address,
    interval: BigInt(row.interval as number | bigint),
    state: row.state as OutboxState,
    root: row.root as Hex,
    orders: payload.orders,
    trades: payload.trades,
    agreement: payload.agreement,
    participants: JSON.parse(String(row.participants)) as Address[],
    createdMs: Number(row.created_ms),
    txHash: (row.tx_hash as Hex | null) ?? undefined,
    rawTx: (row.raw_tx as Hex | null) ?? undefined,
    nonce: row.nonce === null ? undefined : Number(row.nonce),
    block: row.block === null ? undefined : BigInt(row.block as number | bigint),
    byUs: row.by_us === 1 || row.by_us === 1n,
    attempts: Number(row.attempts),
    reverts: Number(row.reverts),
    nextAttemptMs: Number(row.next_attempt_ms),
    lastError: (row.last_error as string | null) ?? undefined,
  }
}

// Bigints travel through JSON as {"$n": "123"} so that the payload round-trips exactly.
function bigintReplacer(_key: string, value: unknown) {
  return typeof value === 'bigint' ? { $n: value.toString() } : value
}

function bigintReviver(_key: string, value: unknown) {
  return value && typeof value === 'object' && '$n' in value ? BigInt((value as { $n: string }).$n) : value
}
