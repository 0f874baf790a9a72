import type { Logger } from 'pino'
import type { Address, Hex } from 'viem'
import type { MarketDomain, Order, VerifiedOrder } from '../core/order/types.js'
import { Side } from '../core/order/types.js'
import type { Clock } from '../core/time/clock.js'
import { gateClosureMs, intervalAt, intervalStartMs, type MarketTime, nextOpenInterval } from '../core/time/interval.js'
import type { NodeStore, StoredResult } from '../store/nodeStore.js'
import { transaction } from '../store/openStore.js'
import { crashpoint } from './crashpoint.js'
import type { NodeMetrics } from './metrics.js'
import type {
  ClearFn,
  Forecaster,
  MarketNetwork,
  MarketResult,
  MeterReading,
  MeterSource,
  NetworkOutcome,
  OrderIntent,
  Settlement,
  Strategy,
} from './ports.js'

/** What the node is built from: its adapters (or fakes), injected. */
export interface NodeComponents {
  readonly clock: Clock
  readonly store: NodeStore
  readonly meter: MeterSource
  readonly forecaster: Forecaster
  readonly strategy: Strategy
  readonly network: MarketNetwork
  readonly settlement: Settlement
  readonly clear: ClearFn
  /** Signs with the household key; must be deterministic for a given order (RFC 6979). */
  readonly sign: (order: Order) => VerifiedOrder
  readonly logger: Logger
  readonly metrics?: NodeMetrics
}

export interface NodeInit {
  readonly account: Address
  readonly domain: MarketDomain
  readonly market: Hex
  readonly time: MarketTime
  readonly retailPrice: bigint
  readonly feedInPrice: bigint
  readonly pollMs: number
  readonly meterTimeoutMs: number
  readonly staleAfterMs: number
  readonly submit: 'own-sells' | 'all' | 'none'
  readonly minQuantityWh: bigint
  readonly maxQuantityWh: bigint
  /** Orders per interval the market accepts (nonces 0..n-1); a longer bid curve is merged down to this. */
  readonly maxOrders?: number
  /** Price bounds any strategy is held to: never sell below, never buy above (token units per kWh). */
  readonly minSellPrice?: bigint
  readonly maxBuyPrice?: bigint
  /** Raw readings older than this are pruned. */
  readonly retainMs: number
}

/** How long after its interval an order may still be settled on chain. */
const SETTLEMENT_WINDOW_S = 7n * 86_400n
/** Intervals further back than this are not cleared any more (e.g. after months offline). */
const MAX_CLEAR_LOOKBACK = 96

/**
 * One household's node: a loop that, on every wake, reads the meter, decides and publishes orders for the next
 * open interval, clears closed intervals, hands agreed results to settlement and summarises finished intervals.
 * Every step writes to the store before it acts and can be re-run after a crash: the store, not memory, says what
 * has been done.
 *
 * @example
 * const node = new GridletNode(components, init)
 * await node.run(controller.signal) // until aborted; then stops cleanly
 */
export class GridletNode {
  readonly #c: NodeComponents
  readonly #init: NodeInit
  #lastReading: MeterReading | undefined
  #lastNow = 0
  #lastTickMs = 0
  #lastPeers = 0
  #meterError: string | undefined
  #started = false
  #lastPrune = 0
  /** Outcomes from an agreement network, stored on the next step (in the loop, not in a network callback). */
  readonly #outcomes: NetworkOutcome[] = []

  constructor(components: NodeComponents, init: NodeInit) {
    this.#c = components
    this.#init = init
  }

  get account(): Address {
    return this.#init.account
  }

  /** Recovers from the store and starts the network and settlement. */
  async start(): Promise<void> {
    const { store, network, forecaster, logger } = this.#c
    this.#lastReading = store.latestReading()
    for (const s of store.recentSummaries(96 * 7).reverse()) {
      if (s.measuredImportWh !== null && s.measuredExportWh !== null) {
        forecaster.observe(s.interval, { importWh: s.measuredImportWh, exportWh: s.measuredExportWh })
      }
    }
    network.onOrder((o) => this.#onOrder(o))
    network.onOutcome?.((o) => this.#outcomes.push(o))
    await network.start()
    this.#c.settlement.start()
    this.#started = true
    logger.info({ account: this.#init.account, readings: store.readingCount() }, 'node started')
  }

  /** Runs until `signal` aborts, then stops. */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.#started) await this.start()
    while (!signal.aborted) {
      try {
        await this.tick(signal)
      } catch (err) {
        // A step that fails (a full disk, an adapter bug) is retried on the next wake; nothing is half-done
        // because every step commits before it acts.
        this.#c.metrics?.tickErrors.inc()
        this.#c.logger.error({ err }, 'node step failed; retrying at the next wake')
      }
      const now = this.#c.clock.now()
      const wake = Math.floor(now / this.#init.pollMs + 1) * this.#init.pollMs
      try {
        await this.#c.clock.sleepUntil(wake, signal)
      } catch {
        break
      }
    }
    await this.stop()
  }

  /** Stops the network and settlement loop; everything acknowledged is already in the store. */
  async stop(): Promise<void> {
    if (!this.#started) return
    this.#started = false
    const { network, settlement, meter, logger } = this.#c
    await Promise.allSettled([network.stop(), settlement.stop(), meter.close()])
    logger.info('node stopped')
  }

  /** One pass of the loop; safe to call at any time and to repeat. */
  async tick(signal?: AbortSignal): Promise<void> {
    const endTimer = this.#c.metrics?.tickSeconds.startTimer()
    const now = this.#c.clock.now()
    this.#checkClock(now)
    await this.#pollMeter(signal)
    const t = this.#c.clock.now()
    this.#checkPeers()
    this.#decide(t)
    await this.#publishPending(t)
    this.#takeOutcomes(t)
    await this.#clearClosed(t)
    this.#handOff(t)
    this.#summarise(t)
    this.#housekeeping(t)
    this.#lastTickMs = this.#c.clock.now()
    endTimer?.()
  }

  #checkClock(now: number): void {
    const { metrics, logger } = this.#c
    const last = this.#lastNow
    this.#lastNow = now
    if (last === 0) return
    const direction =
      now < last - 1000 ? 'backward' : now > last + Math.max(this.#init.pollMs * 6, 120_000) ? 'forward' : undefined
    if (!direction) return
    metrics?.clockJumps.inc({ direction })
    logger.warn({ from: new Date(last).toISOString(), to: new Date(now).toISOString() }, `clock jumped ${direction}`)
  }

  async #pollMeter(signal?: AbortSignal): Promise<void> {
    const { meter, store, metrics, logger, clock } = this.#c
    const timeout = AbortSignal.timeout(this.#init.meterTimeoutMs)
    try {
      const r = await meter.read(signal ? AbortSignal.any([signal, timeout]) : timeout)
      const reading = { ...r, ts: clock.now() }
      store.insertReading(reading) // acknowledged from here on
      crashpoint('after-reading-store')
      logger.debug({ ts: reading.ts, powerW: reading.powerW }, 'reading stored')
      this.#lastReading = reading
      this.#c.forecaster.observeReading?.(reading)
      this.#meterError = undefined
      metrics?.readings.inc()
      metrics?.powerW.set(reading.powerW)
    } catch (err) {
      if (signal?.aborted) return
      const kind = meterErrorKind(err, timeout.aborted)
      metrics?.meterErrors.inc({ kind })
      if (this.#meterError !== kind) logger.warn({ err, kind }, 'meter read failed')
      this.#meterError = kind
    }
    metrics?.readingAgeS.set(this.#lastReading ? (clock.now() - this.#lastReading.ts) / 1000 : -1)
  }

  #meterFresh(now: number): boolean {
    return this.#lastReading !== undefined && now - this.#lastReading.ts <= this.#init.staleAfterMs
  }

  #checkPeers(): void {
    const { network, metrics, logger } = this.#c
    const peers = network.peerCount()
    metrics?.peers.set(peers)
    if (peers > 0 && this.#lastPeers === 0) {
      logger.info({ peers }, 'peers (re)joined: republishing open orders and reconciling')
      const now = this.#c.clock.now()
      const open = nextOpenInterval(this.#init.time, now)
      const recent = Array.from({ length: 4 }, (_, i) => open - 2 + i)
      void network.reconcile?.(recent).catch((err) => logger.warn({ err }, 'reconcile failed'))
      this.#republishOpen(open)
    }
    if (peers === 0 && this.#lastPeers > 0) logger.warn('all peers gone: still reading and storing')
    this.#lastPeers = peers
  }

  #republishOpen(open: number): void {
    for (const k of [open, open + 1]) {
      for (const row of this.#c.store.ownOrders(k)) {
        void this.#c.network.publishOrder(row.order).catch(() => this.#c.metrics?.publishErrors.inc())
      }
    }
  }

  /** Decides once per interval: sign in memory, store decision + orders in one transaction, publish later. */
  #decide(now: number): void {
    const { store, forecaster, strategy, metrics, logger } = this.#c
    const k = nextOpenInterval(this.#init.time, now)
    if (store.hasDecision(k)) return
    const forecast = forecaster.forecast(k)
    const last = store.recentResults(1)[0]?.result.clearingPrice
    let intents = strategy.decide({
      interval: k,
      forecast,
      retailPrice: this.#init.retailPrice,
      feedInPrice: this.#init.feedInPrice,
      ...(last === undefined ? {} : { lastClearingPrice: last }),
    })
    const notes: string[] = []
    if (!this.#meterFresh(now) && intents.some((i) => i.side === Side.Sell)) {
      // Without a fresh reading we cannot know the energy is there: offer none.
      metrics?.ordersSuppressed.inc({ reason: 'meter_stale' }, intents.filter((i) => i.side === Side.Sell).length)
      intents = intents.filter((i) => i.side !== Side.Sell)
      notes.push('sell suppressed: meter stale')
    }
    const orders = mergeCurve(this.#clamp(intents), this.#init.maxOrders ?? 16).map((intent, nonce) =>
      this.#c.sign(this.#orderOf(k, nonce, intent)),
    )
    crashpoint('before-decision-store')
    store.saveDecision(k, now, forecast.netWh, orders, notes.join('; '))
    crashpoint('after-decision-store')
    logger.info({ interval: k, forecastNetWh: forecast.netWh, orders: orders.length, notes }, 'decided')
  }

  #clamp(intents: readonly OrderIntent[]): OrderIntent[] {
    const { minQuantityWh, maxQuantityWh } = this.#init
    const floor = this.#init.minSellPrice ?? this.#init.feedInPrice
    const cap = this.#init.maxBuyPrice ?? this.#init.retailPrice
    return intents
      .map((i) => (i.quantityWh > maxQuantityWh ? { ...i, quantityWh: maxQuantityWh } : i))
      .map((i) => {
        if (i.side === Side.Sell && i.limitPrice < floor) return { ...i, limitPrice: floor }
        if (i.side === Side.Buy && i.limitPrice > cap) return { ...i, limitPrice: cap }
        return i
      })
      .filter((i) => i.quantityWh >= minQuantityWh && i.limitPrice > 0n)
  }

  #orderOf(k: number, nonce: number, intent: OrderIntent): Order {
    const endS = BigInt(intervalStartMs(this.#init.time, k + 1) / 1000)
    return {
      market: this.#init.market,
      interval: BigInt(k),
      side: intent.side,
      quantityWh: intent.quantityWh,
      limitPrice: intent.limitPrice,
      account: this.#init.account,
      nonce: BigInt(nonce),
      expiry: endS + SETTLEMENT_WINDOW_S,
    }
  }

  async #publishPending(now: number): Promise<void> {
    const { store, network, metrics, logger } = this.#c
    const open = nextOpenInterval(this.#init.time, now)
    for (const row of store.unpublishedOrders(open)) {
      if (now > gateClosureMs(this.#init.time, row.interval)) continue
      try {
        await network.publishOrder(row.order)
      } catch (err) {
        metrics?.publishErrors.inc()
        logger.debug({ err, interval: row.interval }, 'publish failed; will retry')
        return
      }
      store.markPublished(row.order.id, now)
      crashpoint('after-publish')
      metrics?.ordersSent.inc({ side: row.order.order.side === Side.Sell ? 'sell' : 'buy' })
    }
  }

  #onOrder(o: VerifiedOrder): void {
    const { store, metrics, clock } = this.#c
    const k = Number(o.order.interval)
    const status = store.result(k)?.status
    if (status === 'queued' || status === 'disputed') {
      metrics?.ordersRejected.inc({ reason: 'after_clearing' })
      return
    }
    if (store.insertReceived(o, clock.now())) metrics?.ordersReceived.inc()
  }

  /** The last interval whose gate closed long enough ago (skew + propagation) to be cleared. */
  #lastClearable(now: number): number {
    const { time } = this.#init
    const delayMs = (time.maxSkewS + Math.max(2, time.maxSkewS)) * 1000
    let k = nextOpenInterval(time, now) - 1
    while (gateClosureMs(time, k) + delayMs > now) k--
    return k
  }

  #computeResult(k: number): { result: MarketResult; orders: VerifiedOrder[] } {
    const { store, clear } = this.#c
    const byId = new Map<Hex, VerifiedOrder>()
    for (const o of store.receivedOrders(k)) byId.set(o.id, o)
    for (const row of store.ownOrders(k)) if (row.publishedMs !== null) byId.set(row.order.id, row.order)
    const orders = [...byId.values()]
    return { result: clear(orders, k), orders }
  }

  /** Stores the network's agreed outcomes: the result every node settles, with the orders it was cleared from. */
  #takeOutcomes(now: number): void {
    const { store, metrics, logger } = this.#c
    for (const o of this.#outcomes.splice(0)) {
      transaction(store.db, () => {
        for (const order of o.orders) {
          if (order.order.account.toLowerCase() !== this.#init.account.toLowerCase()) store.insertReceived(order, now)
        }
        const status = o.agreed
          ? this.#tradesToSubmit(o.result).length > 0
            ? 'cleared'
            : 'nothing'
          : o.reason === 'DISAGREE'
            ? 'disputed'
            : 'unconfirmed'
        const differing = o.voters - o.votesForRoot
        const existing = store.result(o.interval)
        if (!existing) store.saveResult(o.result, o.orders.length, status, now, o.votesForRoot, differing)
        else store.replaceResult(o.result, o.orders.length, status, o.votesForRoot, differing)
      })
      crashpoint('after-result-store')
      if (!o.agreed) metrics?.results.inc({ status: o.reason === 'DISAGREE' ? 'disputed' : 'unconfirmed' })
      if (o.voters > 0) metrics?.agreement.set(o.votesForRoot / o.voters)
      logger.info(
        { interval: o.interval, root: o.result.root, agreed: o.agreed, trades: o.result.trades.length },
        'outcome',
      )
    }
  }

  async #clearClosed(now: number): Promise<void> {
    const { store, network, metrics, logger } = this.#c
    // With an agreement network, local clearing is only a fallback for intervals whose outcome never came (e.g.
    // the node was down at closure): shown, never settled.
    const agreeing = network.onOutcome !== undefined
    const upTo = agreeing ? intervalAt(this.#init.time, now) - 1 : this.#lastClearable(now)
    for (const k of store.intervalsToClear(upTo, upTo - MAX_CLEAR_LOOKBACK)) {
      const { result, orders } = this.#computeResult(k)
      const mine = this.#tradesToSubmit(result).length > 0
      store.saveResult(result, orders.length, agreeing ? 'unconfirmed' : mine ? 'cleared' : 'nothing', now)
      crashpoint('after-result-store')
      if (!mine) metrics?.results.inc({ status: 'nothing' })
      logger.info({ interval: k, root: result.root, trades: result.trades.length, orders: orders.length }, 'cleared')
      await network.publishResult(k, result.root).catch((err) => logger.debug({ err }, 'root publish failed'))
    }
  }

  #tradesToSubmit(result: MarketResult) {
    const me = this.#init.account.toLowerCase()
    switch (this.#init.submit) {
      case 'all':
        return result.trades
      case 'none':
        return []
      case 'own-sells':
        // The contract settles a whole interval at once: submit all of it when we sell in it.
        return result.trades.some((t) => t.seller.toLowerCase() === me) ? result.trades : []
    }
  }

  /**
   * From the interval's start on, a cleared result goes to settlement when no majority of peers announced a
   * different root. The result is recomputed first, so orders that arrived by reconciliation after a partition
   * count. Enqueue and status change commit together: a result is handed off exactly once.
   */
  #handOff(now: number): void {
    const { store, network, settlement, metrics, logger } = this.#c
    // A result with nothing for us stays open to reconciliation until its interval has ended.
    for (const stored of store.openResults(intervalAt(this.#init.time, now) - 1)) {
      const k = stored.interval
      if (now < intervalStartMs(this.#init.time, k)) continue
      if (network.onOutcome) {
        if (stored.status === 'cleared') this.#enqueue(stored.result, stored.peersAgreeing, stored.peersDiffering)
        continue
      }
      const roots = network.peerRoots(k)
      if (roots.length === 0 && network.peerCount() === 0) continue // partitioned: wait for peers
      const current = this.#refresh(stored)
      if (current.status === 'nothing') continue
      const agreeing = roots.filter((r) => r === current.result.root).length
      const differing = roots.length - agreeing
      if (differing > agreeing) {
        store.setResultStatus(k, 'disputed', agreeing, differing)
        metrics?.results.inc({ status: 'disputed' })
        logger.error({ interval: k, agreeing, differing }, 'peers cleared differently: not settling this interval')
        continue
      }
      this.#enqueue(current.result, agreeing, differing, current.orders)
      if (roots.length > 0) metrics?.agreement.set(agreeing / roots.length)
    }
    const backlog = settlement.backlog(now)
    metrics?.settlementPending.set(backlog.pending)
    metrics?.settlementLagS.set(backlog.oldestAgeMs / 1000)
  }

  /** Hands one result to settlement: outbox row and status change commit together, so it happens once. */
  #enqueue(result: MarketResult, agreeing: number, differing: number, known?: readonly VerifiedOrder[]): void {
    const { store, settlement, metrics, logger } = this.#c
    const k = Number(result.interval)
    const trades = this.#tradesToSubmit(result)
    const ids = new Set(trades.flatMap((t) => [t.buyId, t.sellId]))
    const pool = known ?? [...store.receivedOrders(k), ...store.ownOrders(k).map((r) => r.order)]
    const orders = [...new Map(pool.filter((o) => ids.has(o.id)).map((o) => [o.id, o])).values()]
    crashpoint('before-handoff')
    transaction(store.db, () => {
      settlement.enqueue(store.db, { key: `${this.#init.market}:${k}`, interval: k, root: result.root, trades, orders })
      store.setResultStatus(k, 'queued', agreeing, differing)
    })
    crashpoint('after-handoff')
    metrics?.results.inc({ status: 'queued' })
    logger.info({ interval: k, trades: trades.length, agreeing, differing }, 'handed to settlement')
  }

  #refresh(stored: StoredResult) {
    const fresh = this.#computeResult(stored.interval)
    const status = this.#tradesToSubmit(fresh.result).length > 0 ? 'cleared' : 'nothing'
    if (fresh.result.root !== stored.result.root) {
      this.#c.store.replaceResult(fresh.result, fresh.orders.length, status)
      this.#c.logger.info({ interval: stored.interval, root: fresh.result.root }, 're-cleared with reconciled orders')
      void this.#c.network.publishResult(stored.interval, fresh.result.root).catch(() => {})
    }
    return { ...fresh, status }
  }

  #summarise(now: number): void {
    const { store, forecaster, logger } = this.#c
    const me = this.#init.account.toLowerCase()
    const { time, pollMs } = this.#init
    for (const k of store.intervalsToSummarise(intervalAt(time, now - pollMs * 2))) {
      const a = store.readingNear(intervalStartMs(time, k), pollMs * 3)
      const b = store.readingNear(intervalStartMs(time, k + 1), pollMs * 3)
      const flows =
        a && b && b.ts > a.ts ? { importWh: b.importWh - a.importWh, exportWh: b.exportWh - a.exportWh } : null
      const measured = flows && flows.exportWh - flows.importWh
      const result = store.result(k)
      // A buyer's trades are settled by the seller's node: count every trade of an undisputed result.
      const settled = result && result.status !== 'disputed'
      let traded = 0n
      let earnings = 0n
      for (const t of settled ? result.result.trades : []) {
        if (t.seller.toLowerCase() === me) {
          traded += t.quantityWh
          earnings += t.amount
        }
        if (t.buyer.toLowerCase() === me) {
          traded -= t.quantityWh
          earnings -= t.amount
        }
      }
      const forecastNetWh = store.decisionForecast(k) ?? null
      store.saveSummary(
        {
          interval: k,
          measuredImportWh: flows?.importWh ?? null,
          measuredExportWh: flows?.exportWh ?? null,
          measuredNetWh: measured,
          forecastNetWh,
          tradedNetWh: Number(traded),
          imbalanceWh: measured === null ? null : measured - Number(traded),
          earnings,
        },
        now,
      )
      if (flows) forecaster.observe(k, flows)
      logger.info({ interval: k, measuredNetWh: measured, tradedNetWh: Number(traded) }, 'interval summarised')
    }
  }

  #housekeeping(now: number): void {
    if (now - this.#lastPrune < 3_600_000) return
    this.#lastPrune = now
    const cutoff = now - this.#init.retainMs
    const readings = this.#c.store.pruneReadings(cutoff)
    const orders = this.#c.store.pruneReceived(intervalAt(this.#init.time, cutoff))
    if (readings + orders > 0) this.#c.logger.info({ readings, orders }, 'pruned old readings and peer orders')
  }

  /** Where an interval's settlement stands on chain, if the settlement adapter tracks it. */
  settlementState(interval: number): string | undefined {
    return this.#c.settlement.status?.(interval)
  }

  /** A snapshot for the status API and the dashboard. */
  snapshot() {
    const { store, network, settlement, clock } = this.#c
    const now = clock.now()
    const { time } = this.#init
    const open = nextOpenInterval(time, now)
    const fresh = this.#meterFresh(now)
    const peers = network.peerCount()
    const backlog = settlement.backlog(now)
    const loopAlive = this.#lastTickMs > 0 && now - this.#lastTickMs < this.#init.pollMs * 6 + 60_000
    const checks = {
      loop: loopAlive ? 'ok' : 'stalled',
      meter: fresh ? 'ok' : (this.#meterError ?? 'no_reading'),
      peers: peers > 0 ? 'ok' : 'none',
      settlement: backlog.oldestAgeMs < 4 * time.lengthS * 1000 ? 'ok' : 'lagging',
    }
    const healthy = Object.values(checks).every((v) => v === 'ok')
    return {
      account: this.#init.account,
      market: this.#init.market,
      now,
      status: !loopAlive ? 'down' : healthy ? 'ok' : 'degraded',
      checks,
      interval: {
        current: intervalAt(time, now),
        nextOpen: open,
        lengthS: time.lengthS,
        closesAtMs: gateClosureMs(time, open),
      },
      meter: { last: this.#lastReading ?? null, fresh, error: this.#meterError ?? null },
      peers,
      settlement: backlog,
      earnings: store.totalEarnings(),
    }
  }
}

/**
 * At most `max` orders from a bid curve: slices of one side sorted by price, neighbours merged into one order with
 * their summed quantity at the bucket's most cautious limit (a buyer's lowest, a seller's highest), so no energy is
 * ever traded at a price the household's own curve would refuse.
 */
export function mergeCurve(intents: readonly OrderIntent[], max: number): OrderIntent[] {
  if (intents.length <= max) return [...intents]
  const sides = [Side.Buy, Side.Sell].map((side) =>
    intents
      .filter((i) => i.side === side)
      .sort((a, b) => (a.limitPrice < b.limitPrice ? -1 : a.limitPrice > b.limitPrice ? 1 : 0)),
  )
  const [buys, sells] = sides as [OrderIntent[], OrderIntent[]]
  const buyShare =
    buys.length === 0 ? 0 : sells.length === 0 ? max : Math.max(1, Math.round((max * buys.length) / intents.length))
  const bucket = (xs: OrderIntent[], n: number, side: Side): OrderIntent[] => {
    if (xs.length === 0 || n === 0) return []
    const size = Math.ceil(xs.length / n)
    const out: OrderIntent[] = []
    for (let i = 0; i < xs.length; i += size) {
      const group = xs.slice(i, i + size)
      const quantityWh = group.reduce((s, g) => s + g.quantityWh, 0n)
      // Sorted ascending: a buy bucket's lowest limit is its first, a sell bucket's highest its last.
      const limitPrice = side === Side.Buy ? group[0]!.limitPrice : group.at(-1)!.limitPrice
      out.push({ side, quantityWh, limitPrice })
    }
    return out
  }
  return [...bucket(buys, buyShare, Side.Buy), ...bucket(sells, max - buyShare, Side.Sell)]
}

function meterErrorKind(err: unknown, timedOut: boolean): string {
  if (timedOut) return 'timeout'
  const e = err as { kind?: string; code?: string; name?: string }
  if (e?.kind === 'timeout' || e?.kind === 'unavailable' || e?.kind === 'invalid' || e?.kind === 'other') return e.kind
  const k = e?.kind ?? e?.code
  if (typeof k === 'string') {
    const lower = k.toLowerCase()
    if (lower.includes('timeout')) return 'timeout'
    if (lower.includes('unavailable') || lower.includes('econnrefused') || lower.includes('closed'))
      return 'unavailable'
    if (lower.includes('invalid') || lower.includes('range')) return 'invalid'
  }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout'
  return 'other'
}
