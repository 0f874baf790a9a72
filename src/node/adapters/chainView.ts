import type { Logger } from 'pino'
import { Counter, type Registry } from 'prom-client'
import { type Address, createPublicClient, getAddress, http, type PublicClient } from 'viem'
import { checkFees, type NodeFees } from '../../chain/checkFees.js'
import { checkTiming } from '../../chain/checkTiming.js'
import { localChain } from '../../chain/contracts.js'
import type { SettlementTiming } from '../../chain/deployMarket.js'
import { ChainError, ChainErrorCode } from '../../chain/errors.js'
import { type EscrowSnapshot, readEscrowSnapshot } from '../../chain/readEscrowSnapshot.js'
import { registryAt } from '../../chain/registryAt.js'
import { type EscrowCover, escrowCoverOf } from '../../core/market/coverEscrow.js'
import type { Clock } from '../../core/time/clock.js'
import { type MarketTime, nextOpenInterval } from '../../core/time/interval.js'
import type { HouseholdRegistry } from '../../p2p/binding.js'
import type { NodeStore } from '../../store/nodeStore.js'
import { registryFollower } from './registryFollower.js'

export interface ChainViewInit {
  rpcUrl: string
  chainId: number
  settlement: Address
  clock: Clock
  time: MarketTime
  store: NodeStore
  /** Real milliseconds between two reads of the chain. */
  pollMs: number
  /** The config's grid fees (`market.grid`: recipient and fee per Wh by level); undefined: a plain market. */
  fees?: NodeFees
  /** A fixed registry (the config's `market.households`): then the contract's registry is not followed. */
  households?: readonly Address[]
  /** Blocks a registry event must lie under before it is applied (`chain.registryConfirmations`, default 0). */
  confirmations?: number
  logger?: Logger
  metrics?: Registry
}

/** What every node reads from the settlement contract to clear identically: registry and escrow per interval. */
export interface ChainView {
  /** The registry for gossip validation (the open interval and the one before), following the contract's events. */
  readonly registry: HouseholdRegistry
  /** The households registered for interval `k`. */
  householdsFor(k: bigint): Set<Address>
  /**
   * The escrow cover of interval `k` for `clear()`: from k's own snapshot, or, while the node has none, a cover in
   * which no buyer may spend (never a stale snapshot's).
   */
  escrow(k: bigint): EscrowCover
  /** The contract's timing, once read. */
  timing(): SettlementTiming | undefined
  /**
   * Checks the timing (throws `CHAIN_TIMING_MISMATCH`), the grid fees (throws `CHAIN_FEE_MISMATCH` naming
   * `market.grid.feeRecipient` or `market.grid.fees[i]`) and the confirmation depth against the block time (throws
   * `CHAIN_INVALID` naming `chain.registryConfirmations`), reads the registry, then follows the chain.
   */
  start(): Promise<void>
  stop(): void
}

const SNAPSHOTS_KEPT = 8
/** Results are looked back this far for what is still owed (older agreed intervals count as owed until settled). */
const OWED_LOOKBACK = 256

/** Config errors of the contract check: the node does not fit the contract (not a passing RPC failure). */
const MISFIT = new Set<string>([ChainErrorCode.TimingMismatch, ChainErrorCode.FeeMismatch])

/**
 * The node's view of the settlement contract for clearing (docs/protocol.md, "Registry" and "Escrow cover"): the
 * registry changes from the contract's events once they are `confirmations` blocks deep (`registryFollower`), each
 * applied from its boundary interval on (`registryAt`), and, per
 * interval, the escrow snapshot at its reference block (the latest block at or before the gate closure of the
 * interval before it), read as soon as that block is final, with the interval's on-chain cancels as of that block
 * (the contract accepts none later), whose orders the cover leaves out. `escrow(k)` turns the snapshot and the agreed,
 * unsettled results in the store into the interval's cover (`escrowCoverOf`). The snapshot is retried every poll
 * until k is cleared; a node still without it then (its RPC is down or behind) covers no buyer: it clears k without
 * trades, so it votes the others' root only when k has none, and never agrees on escrow it could not read at k's
 * reference block (an earlier snapshot may count escrow a withdrawal request has reserved since). Counted in
 * `gridlet_escrow_snapshot_missing_total`.
 *
 * @example
 * const view = chainView({ rpcUrl, chainId, settlement, clock, time, store, pollMs: 2000 })
 * await view.start()
 */
export function chainView(init: ChainViewInit): ChainView {
  const client = createPublicClient({
    chain: localChain(init.chainId, init.rpcUrl),
    transport: http(init.rpcUrl, { retryCount: 0, timeout: 10_000 }),
  }) as PublicClient
  const { time, clock, store, logger } = init
  const fixed = init.households && new Set(init.households.map((a) => getAddress(a)))
  const confirmations = init.confirmations ?? 0
  const follower = registryFollower({
    client,
    settlement: init.settlement,
    confirmations,
    logger,
    metrics: init.metrics,
  })
  const { changes } = follower
  const unconfirmed = new Counter({
    name: 'gridlet_registry_unconfirmed_clearings_total',
    help: "Intervals cleared before the registry was confirmed up to their reference time (the node's registry may lag)",
    registers: init.metrics ? [init.metrics] : [],
  })
  const missing = new Counter({
    name: 'gridlet_escrow_snapshot_missing_total',
    help: "Intervals cleared without their escrow snapshot (the node's RPC was down or behind): no buyer covered",
    registers: init.metrics ? [init.metrics] : [],
  })
  let timing: SettlementTiming | undefined
  const snapshots = new Map<bigint, EscrowSnapshot>()
  let hint = 0n
  let timer: NodeJS.Timeout | undefined
  let stopped = true
  const lengthS = BigInt(time.lengthS)
  const gateS = BigInt(time.gateClosureS)
  const boundaryTiming = { intervalLength: time.lengthS, gateClosure: time.gateClosureS }

  const householdsFor = (k: bigint) => fixed ?? registryAt(changes, k, boundaryTiming)
  const openInterval = () => BigInt(nextOpenInterval(time, clock.now()))
  /** The reference time of interval k: the gate closure of interval k - 1. */
  const referenceS = (k: bigint) => (k - 1n) * lengthS - gateS

  const followRegistry = async () => {
    if (!fixed) await follower.follow()
  }
  /**
   * Interval k's registry is the changes in blocks stamped before its reference time (their boundary is k or
   * earlier): complete once the confirmed block is stamped at or after it. On a dev chain (0 confirmations) every
   * mined block is final, so the head is.
   */
  const warnIfUnconfirmed = (k: bigint) => {
    const c = follower.confirmed()
    if (fixed || confirmations === 0 || (c && c.timestampS >= referenceS(k))) return
    unconfirmed.inc()
    logger?.warn(
      { interval: Number(k), confirmedBlock: c && Number(c.number), confirmations },
      'clearing before the registry is confirmed up to the interval: a change may still apply to it',
    )
  }

  const takeSnapshots = async () => {
    const open = openInterval()
    // The interval being cleared now (its book closed) and the next one, whose reference block is final by then.
    for (const k of [open - 1n, open]) {
      if (snapshots.has(k)) continue
      const snap = await readEscrowSnapshot(client, {
        settlement: init.settlement,
        accounts: [...householdsFor(k)],
        atS: referenceS(k),
        settledRange: { from: k - 128n, to: k - 1n },
        cancelsOf: k,
        hint,
      })
      if (!snap) continue
      hint = snap.blockNumber
      snapshots.set(k, snap)
      for (const old of snapshots.keys()) if (old < k - BigInt(SNAPSHOTS_KEPT)) snapshots.delete(old)
    }
  }

  const step = async () => {
    try {
      if (!timing) timing = await checkTimingOnce()
      await followRegistry()
      await takeSnapshots()
    } catch (err) {
      // A contract that does not fit the config, first seen after a start with the RPC down: nothing of it can be
      // trusted (no registry, no snapshot, so no buyer covered), which must not pass as a passing RPC hiccup.
      if (err instanceof ChainError && MISFIT.has(err.code)) {
        logger?.error(
          { err, field: err.field },
          'the settlement contract does not fit this node: fix the config and restart',
        )
      } else logger?.warn({ err }, 'reading the settlement contract failed')
    }
  }
  /** The contract's timing, once it and the fee recipient are checked against the config. */
  const checkTimingOnce = async () => {
    const t = await checkTiming(client, init.settlement, { lengthS: time.lengthS, gateClosureS: time.gateClosureS })
    await checkFees(client, init.settlement, init.fees)
    return t
  }
  const loop = () => {
    if (stopped) return
    timer = setTimeout(() => void step().finally(loop), init.pollMs)
  }

  return {
    registry: {
      // Without an interval: the registry after every change seen (the quorum base of an interval is `at(k)`).
      get size() {
        return fixed ? fixed.size : registryAt(changes, 2n ** 64n, boundaryTiming).size
      },
      // Without an interval (peer bindings): an account counts from its registration on chain, and after its
      // removal while registered for the open interval or the one before. Gossip is judged per interval (`at`).
      has: (account) => {
        const k = openInterval()
        const a = getAddress(account)
        return fixed
          ? fixed.has(a)
          : registryAt(changes, 2n ** 64n, boundaryTiming).has(a) ||
              householdsFor(k).has(a) ||
              householdsFor(k - 1n).has(a)
      },
      // Exact per interval: the base of the interval's quorum and what its messages are judged against.
      at: (k) => {
        const members = householdsFor(k)
        return { size: members.size, has: (a) => members.has(getAddress(a)) }
      },
    },
    householdsFor,
    timing: () => timing,
    escrow(k) {
      warnIfUnconfirmed(k) // asked once per interval, when it is cleared
      const snap = snapshots.get(k)
      if (!snap) {
        missing.inc()
        logger?.warn({ interval: Number(k) }, 'no escrow snapshot for the interval: clearing it with no buyer covered')
        return escrowCoverOf({ members: householdsFor(k), available: new Map(), pending: [] })
      }
      // Intervals whose settlement window closed before the reference time can no longer be paid.
      const oldest = timing
        ? (referenceS(k) - BigInt(timing.settleDelay + timing.settlementWindow)) / lengthS
        : Number.NEGATIVE_INFINITY
      const pending = store
        .recentResults(OWED_LOOKBACK)
        .filter((r) => {
          const j = BigInt(r.interval)
          return j < k && j >= oldest && AGREED.has(r.status) && !snap.settled.has(j)
        })
        .map((r) => r.result.trades)
      return escrowCoverOf({ members: householdsFor(k), available: snap.available, pending, cancelled: snap.cancels })
    },
    async start() {
      // A mismatch is a typed error at start; an unreachable RPC is not (checked on the first read that answers).
      try {
        timing = await checkTimingOnce()
      } catch (err) {
        if (MISMATCHES.has((err as { code?: string }).code ?? '')) throw err
        logger?.warn({ err }, 'settlement contract not reachable at start: timing checked later')
      }
      if (fixed === undefined) {
        await follower.checkDepth({ pollS: init.pollMs / 1000, intervalS: time.lengthS })
        await follower.follow()
      }
      await takeSnapshots().catch((err) => logger?.warn({ err }, 'escrow snapshot failed'))
      stopped = false
      loop()
    },
    stop() {
      stopped = true
      clearTimeout(timer)
    },
  }
}

/** Config errors the chain contradicts: they stop the start. */
const MISMATCHES = new Set(['CHAIN_TIMING_MISMATCH', 'CHAIN_FEE_MISMATCH'])

/** Result statuses of an interval the network agreed on. */
const AGREED = new Set(['cleared', 'queued', 'nothing'])
