import type { NodeStore } from '../store/nodeStore.js'

/** What the status view needs of a running node (the node's loop implements it; http never imports the node). */
export interface StatusSource<S extends { readonly now: number }> {
  readonly account: string
  /** The node's health and state now; served as it is, with the history added. */
  snapshot(): S
  /** Where an interval's settlement stands on chain, if tracked. */
  settlementState(interval: number): string | undefined
  /** Why an interval cannot be settled (the contract's refusal), if the settlement adapter knows. */
  settlementReason?(interval: number): string | undefined
}

/** The escrow token's display unit: the dashboard shows money in it (absent: smallest units). */
export interface TokenDisplay {
  readonly symbol: string
  readonly decimals: number
}

/** What /api/status serves: the node's snapshot plus the recent history the dashboard draws. */
export function statusView<S extends { readonly now: number }>(
  node: StatusSource<S>,
  store: NodeStore,
  opts: { token?: TokenDisplay } = {},
) {
  const snap = node.snapshot()
  const me = node.account.toLowerCase()
  const results = store.recentResults(48)
  const resultOf = new Map(results.map((r) => [r.interval, r]))
  const orders = store.recentOwnOrders(24).map((row) => {
    const r = resultOf.get(row.interval)
    const fills = r?.result.trades.filter((t) => t.buyId === row.order.id || t.sellId === row.order.id) ?? []
    const filledWh = fills.reduce((s, t) => s + t.quantityWh, 0n)
    return {
      interval: row.interval,
      id: row.order.id,
      side: row.order.order.side === 1 ? 'sell' : 'buy',
      quantityWh: row.order.order.quantityWh,
      limitPrice: row.order.order.limitPrice,
      published: row.publishedMs !== null,
      filledWh,
      state: r ? (filledWh > 0n ? 'traded' : 'unmatched') : row.publishedMs === null ? 'stored' : 'open',
      settlement: r?.status ?? null,
    }
  })
  const trades = results.flatMap((r) =>
    r.result.trades
      .filter((t) => t.buyer.toLowerCase() === me || t.seller.toLowerCase() === me)
      .map((t) => {
        const sell = t.seller.toLowerCase() === me
        return {
          interval: r.interval,
          side: sell ? 'sell' : 'buy',
          counterparty: sell ? t.buyer : t.seller,
          quantityWh: t.quantityWh,
          price: t.price,
          amount: sell ? t.amount : -t.amount,
          status: r.status === 'queued' ? (node.settlementState(r.interval) ?? r.status) : r.status,
        }
      }),
  )
  const since = snap.now - 3_600_000
  const power = downsample(store.readingsSince(since, 4000), 120).map((r) => [r.ts, r.powerW])
  const intervals = store
    .recentSummaries(24)
    .reverse()
    .map((s) => ({
      interval: s.interval,
      forecastNetWh: s.forecastNetWh,
      measuredNetWh: s.measuredNetWh,
      tradedNetWh: s.tradedNetWh,
      imbalanceWh: s.imbalanceWh,
      earnings: s.earnings,
    }))
  // Where each recent interval stands between clearing and the chain (`gridlet market status --node`).
  const settlementIntervals = results.map((r) => ({
    interval: r.interval,
    result: r.status,
    settlement: r.status === 'queued' ? (node.settlementState(r.interval) ?? null) : null,
    trades: r.result.trades.length,
    reason: node.settlementReason?.(r.interval) ?? null,
  }))
  return { ...snap, token: opts.token ?? null, power, intervals, orders, trades, settlementIntervals }
}

function downsample<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs]
  const step = xs.length / n
  return Array.from({ length: n }, (_, i) => xs[Math.floor(i * step)]!).concat(xs.at(-1)!)
}
