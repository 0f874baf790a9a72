import type { Logger } from 'pino'
import type { Hex } from 'viem'
import type { ClearingResult, Trade } from '../core/market/types.js'
import type { NodeStore, ResultStatus } from '../store/nodeStore.js'
import { transaction } from '../store/openStore.js'
import { crashpoint } from './crashpoint.js'
import type { NodeMetrics } from './metrics.js'
import type { NetworkOutcome, Settlement } from './ports.js'

/** Which trades of a result this node submits on chain. */
export type SubmitPolicy = 'own-sells' | 'all' | 'none'

export interface OutcomeDeps {
  readonly store: NodeStore
  readonly settlement: Settlement
  readonly logger: Logger
  readonly metrics?: NodeMetrics | undefined
  readonly account: Hex
  readonly market: Hex
  readonly submit: SubmitPolicy
}

/**
 * The trades this node submits: with `own-sells`, all of an interval when we sell in it (the contract settles a
 * whole interval at once); `all` every result's; `none` never.
 */
export function tradesToSubmit(result: ClearingResult, account: Hex, submit: SubmitPolicy): readonly Trade[] {
  const me = account.toLowerCase()
  switch (submit) {
    case 'all':
      return result.trades
    case 'none':
      return []
    case 'own-sells':
      return result.trades.some((t) => t.seller.toLowerCase() === me) ? result.trades : []
  }
}

/**
 * Stores one outcome of the network's agreement with the orders it was cleared from, in one transaction. An agreed
 * outcome with trades for us becomes `cleared` (to hand off); a later outcome for an interval already handed off is
 * ignored (the store never rewrites a queued result), so nothing is settled twice.
 */
export function storeOutcome(d: OutcomeDeps, o: NetworkOutcome, now: number): void {
  const { store, logger, metrics } = d
  const me = d.account.toLowerCase()
  const status: ResultStatus = o.agreed
    ? tradesToSubmit(o.result, d.account, d.submit).length > 0
      ? 'cleared'
      : 'nothing'
    : o.reason === 'DISAGREE'
      ? 'disputed'
      : 'unconfirmed'
  // The peers' orders the trades reference are what settlement needs (the contract re-verifies their signatures).
  const traded = new Set(o.result.trades.flatMap((t) => [t.buyId, t.sellId]))
  transaction(store.db, () => {
    for (const order of o.orders) {
      if (traded.has(order.id) && order.order.account.toLowerCase() !== me) store.insertReceived(order, now)
    }
    const differing = o.voters - o.votesForRoot
    if (!store.result(o.interval))
      store.saveResult(o.result, o.orders.length, status, now, o.votesForRoot, differing, o.attestations)
    else store.replaceResult(o.result, o.orders.length, status, o.votesForRoot, differing, o.attestations)
  })
  crashpoint('after-result-store')
  metrics?.results.inc({ status })
  if (o.voters > 0) metrics?.agreement.set(o.votesForRoot / o.voters)
  logger.info({ interval: o.interval, root: o.result.root, status, trades: o.result.trades.length }, 'outcome')
}

/**
 * Hands every agreed result with trades for us to settlement: the outbox row and the status change commit together,
 * so a result is handed off exactly once, also across a crash between the two crash points.
 */
export function handOffCleared(d: OutcomeDeps, fromInterval: number): void {
  const { store, settlement, metrics, logger } = d
  for (const stored of store.openResults(fromInterval)) {
    if (stored.status !== 'cleared') continue
    const k = stored.interval
    const trades = tradesToSubmit(stored.result, d.account, d.submit)
    const ids = new Set(trades.flatMap((t) => [t.buyId, t.sellId]))
    const pool = [...store.receivedOrders(k), ...store.ownOrders(k).map((r) => r.order)]
    const orders = [...new Map(pool.filter((o) => ids.has(o.id)).map((o) => [o.id, o])).values()]
    crashpoint('before-handoff')
    transaction(store.db, () => {
      const { rule, clearingPrice, feeRecipient } = stored.result
      const agreement = {
        rule,
        clearingPrice,
        attestations: stored.attestations,
        ...(feeRecipient && { feeRecipient }),
      }
      settlement.enqueue(store.db, {
        key: `${d.market}:${k}`,
        interval: k,
        root: stored.result.root,
        trades,
        orders,
        agreement,
      })
      store.setResultStatus(k, 'queued', stored.peersAgreeing, stored.peersDiffering)
    })
    crashpoint('after-handoff')
    metrics?.results.inc({ status: 'queued' })
    logger.info({ interval: k, trades: trades.length, agreeing: stored.peersAgreeing }, 'handed to settlement')
  }
}
