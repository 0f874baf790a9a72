import type { DatabaseSync } from 'node:sqlite'
import type { Logger } from 'pino'
import { Counter, type Registry } from 'prom-client'
import { type Address, createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { Batcher } from '../../chain/batcher.js'
import { localChain } from '../../chain/contracts.js'
import { migrateOutbox, type OutboxEntry } from '../../chain/outbox.js'
import type { Clock } from '../../core/time/clock.js'
import { crashpoint } from '../crashpoint.js'
import type { Settlement } from '../ports.js'

export interface BatcherSettlementInit {
  db: DatabaseSync
  rpcUrl: string
  chainId: number
  settlement: Address
  privateKey: Hex
  clock: Clock
  /** Real milliseconds between two passes over the outbox. */
  tickMs: number
  /** First retry delay after a failure, clock ms (the batcher doubles it per attempt). */
  retryBaseMs: number
  /** Each participant's turn before the next one steps in, clock ms (default: the batcher's 2 min). */
  submitterTimeoutMs?: number
  logger?: Logger
  registry?: Registry
}

/**
 * The chain's settlement batcher behind the node's `Settlement` port. Its outbox lives in the node's database, so a
 * result and its hand-off commit in one transaction; the batcher settles each interval once (`isSettled` before
 * every send, the same signed transaction re-broadcast after a crash, a settlement by anyone with the same root
 * counts). Passes run on a real-time timer, so an accelerated demo clock does not hammer the RPC.
 *
 * @example
 * const settlement = batcherSettlement({ db: store.db, rpcUrl, chainId, settlement, privateKey, clock, tickMs: 2000, retryBaseMs: 15_000 })
 */
export function batcherSettlement(init: BatcherSettlementInit): Settlement & { readonly batcher: Batcher } {
  const account = privateKeyToAccount(init.privateKey)
  const client = createWalletClient({
    account,
    chain: localChain(init.chainId, init.rpcUrl),
    transport: http(init.rpcUrl, { retryCount: 0, timeout: 10_000 }),
  })
  const states =
    init.registry &&
    new Counter({
      name: 'gridlet_settlement_outcomes_total',
      help: 'Settlement passes by resulting outbox state',
      labelNames: ['state'],
      registers: [init.registry],
    })
  const batcher = new Batcher({
    db: init.db,
    client,
    settlement: init.settlement,
    clock: init.clock,
    retryBaseMs: init.retryBaseMs,
    ...(init.submitterTimeoutMs === undefined ? {} : { submitterTimeoutMs: init.submitterTimeoutMs }),
    ...(init.logger ? { logger: init.logger } : {}),
    onSigned: () => crashpoint('batcher-signed'),
  })
  let timer: NodeJS.Timeout | undefined
  let pass: Promise<void> | undefined
  let stopped = true
  const loop = () => {
    if (stopped) return
    timer = setTimeout(() => {
      pass = batcher
        .tick()
        .then((entries: OutboxEntry[]) => {
          for (const e of entries) states?.inc({ state: e.state })
        })
        .catch((err) => init.logger?.warn({ err }, 'settlement pass failed'))
        .finally(loop)
    }, init.tickMs)
  }
  return {
    batcher,
    migrate: (db) => migrateOutbox(db),
    enqueue(_db, b) {
      const entry = batcher.enqueue(
        { interval: BigInt(b.interval), trades: b.trades, agreement: b.agreement, root: b.root },
        b.orders,
      )
      // The contract refuses a batch without a quorum's votes (NoQuorum): kept, visibly, instead of sent to revert.
      if (b.agreement.attestations.length === 0 && entry.state === 'pending') {
        batcher.outbox.update(entry, { state: 'unsettleable', lastError: 'no attestations handed over' })
        states?.inc({ state: 'unsettleable' })
      }
    },
    start() {
      stopped = false
      loop()
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await pass
    },
    backlog(nowMs) {
      // Confirmed entries are on chain already (watched until final): not a backlog.
      const open = batcher.outbox.open(init.settlement).filter((e) => e.state !== 'confirmed')
      const oldest = open.reduce((m, e) => Math.min(m, e.createdMs), Number.POSITIVE_INFINITY)
      return { pending: open.length, oldestAgeMs: open.length ? nowMs - oldest : 0 }
    },
    status(interval) {
      return batcher.outbox.get(init.settlement, BigInt(interval))?.state
    },
    reason(interval) {
      return batcher.outbox.get(init.settlement, BigInt(interval))?.lastError
    },
  }
}
