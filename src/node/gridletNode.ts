import type { Logger } from 'pino'
import type { Address, Hex } from 'viem'
import type { MarketDomain, Order, VerifiedOrder } from '../core/order/types.js'
import { Side } from '../core/order/types.js'
import { type TariffSchedule, tariffAt } from '../core/strategy/tariffAt.js'
import type { Clock } from '../core/time/clock.js'
import { gateClosureMs, intervalAt, intervalStartMs, type MarketTime, nextOpenInterval } from '../core/time/interval.js'
import type { NodeStore } from '../store/nodeStore.js'
import { crashpoint } from './crashpoint.js'
import { type DecisionBounds, decideInterval } from './decideInterval.js'
import { meterErrorKind, nodeHealth } from './health.js'
import type { NodeMetrics } from './metrics.js'
import { handOffCleared, type OutcomeDeps, type SubmitPolicy, storeOutcome } from './outcomes.js'
import type {
  Decider,
  MarketNetwork,
  MeterErrorKind,
  MeterReading,
  MeterSource,
  NetworkOutcome,
  Settlement,
} from './ports.js'
import { type MeasuredInterval, summariseIntervals } from './summarise.js'

/** What the node is built from: its adapters (or fakes of the same ports), injected. */
export interface NodeComponents {
  readonly clock: Clock
  readonly store: NodeStore
  readonly meter: MeterSource
  readonly decider: Decider
  readonly network: MarketNetwork
  readonly settlement: Settlement
  /** Signs with the household key; must be deterministic for a given order (RFC 6979). */
  readonly sign: (order: Order) => VerifiedOrder
  readonly logger: Logger
  readonly metrics?: NodeMetrics
}

/** The node's settings; the tariff it decides with (flat or time-of-use) is the `TariffSchedule` part. */
export interface NodeInit extends TariffSchedule {
  readonly account: Address
  readonly domain: MarketDomain
  readonly market: Hex
  readonly time: MarketTime
  readonly pollMs: number
  readonly meterTimeoutMs: number
  readonly staleAfterMs: number
  readonly submit: SubmitPolicy
  /** What every decision is held to (the core order policy's bounds; price bounds default to the tariff). */
  readonly bounds: DecisionBounds
  /** Raw readings older than this are pruned. */
  readonly retainMs: number
}

/** Summaries the forecasters relearn from at start: a week of intervals. */
const RELEARN_INTERVALS = 96 * 7

/**
 * One household's node: a loop that, on every wake, reads the meter, decides and publishes orders for the next
 * open interval, stores the network's agreed outcomes, hands them to settlement and summarises finished intervals.
 * The node never clears an interval itself: the network's agreement protocol does, once. Every step writes to the
 * store before it acts and can be re-run after a crash: the store, not memory, says what has been done.
 *
 * @example
 * const node = new GridletNode(components, init)
 * await node.run(controller.signal) // until aborted; then stops cleanly
 */
export class GridletNode {
  readonly #c: NodeComponents
  readonly #init: NodeInit
  readonly #outcomeDeps: OutcomeDeps
  #lastReading: MeterReading | undefined
  #lastNow = 0
  #lastTickMs = 0
  #lastPeers = 0
  #measured = 0
  #meterError: MeterErrorKind | undefined
  #started = false
  #lastPrune = 0
  /** Outcomes from the network, stored on the next step (in the loop, not in a network callback). */
  readonly #outcomes: NetworkOutcome[] = []

  constructor(components: NodeComponents, init: NodeInit) {
    this.#c = components
    this.#init = init
    this.#outcomeDeps = {
      store: components.store,
      settlement: components.settlement,
      logger: components.logger,
      metrics: components.metrics,
      account: init.account,
      market: init.market,
      submit: init.submit,
    }
  }

  get account(): Address {
    return this.#init.account
  }

  /** Recovers from the store and starts the network and settlement. */
  async start(): Promise<void> {
    const { store, network, logger } = this.#c
    this.#lastReading = store.latestReading()
    for (const s of store.recentSummaries(RELEARN_INTERVALS).reverse()) {
      const flows =
        s.measuredImportWh !== null && s.measuredExportWh !== null
          ? { importWh: s.measuredImportWh, exportWh: s.measuredExportWh }
          : null
      this.#observe({ interval: s.interval, flows })
    }
    network.onOrder((o) => this.#onOrder(o))
    network.onOutcome((o) => this.#outcomes.push(o))
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
    this.#checkClock(this.#c.clock.now())
    await this.#pollMeter(signal)
    const t = this.#c.clock.now()
    this.#checkPeers(t)
    for (const o of this.#outcomes.splice(0)) storeOutcome(this.#outcomeDeps, o, t)
    handOffCleared(this.#outcomeDeps, intervalAt(this.#init.time, t) - RELEARN_INTERVALS)
    this.#reportBacklog(t)
    // Finished intervals are learnt before the next decision, also when one late wake has several to do.
    for (const m of summariseIntervals({ ...this.#init, ...this.#c }, t)) this.#observe(m)
    this.#decide(t)
    await this.#publishPending(t)
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

  /** Feeds one finished interval to the forecasters (NaN: not measured), in time order. */
  #observe(m: MeasuredInterval): void {
    const { load, pv } = this.#c.decider
    const startMs = intervalStartMs(this.#init.time, m.interval)
    load.observe(startMs, m.flows?.importWh ?? Number.NaN)
    pv.observe(startMs, m.flows?.exportWh ?? Number.NaN)
    if (m.flows) this.#measured++
  }

  #checkPeers(now: number): void {
    const { network, metrics, logger } = this.#c
    const peers = network.peerCount()
    metrics?.peers.set(peers)
    if (peers > 0 && this.#lastPeers === 0) {
      logger.info({ peers }, 'peers (re)joined: republishing open orders')
      this.#republishOpen(nextOpenInterval(this.#init.time, now))
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
    const { store, metrics, logger, decider } = this.#c
    const { time, bounds, market, account } = this.#init
    const k = nextOpenInterval(time, now)
    if (store.hasDecision(k)) return
    const last = store.recentResults(1)[0]?.result.clearingPrice
    const d = decideInterval(decider, {
      interval: k,
      lengthS: time.lengthS,
      tariff: tariffAt(this.#init, intervalStartMs(time, k)),
      ...(last === undefined ? {} : { lastClearingPrice: last }),
      meterFresh: this.#meterFresh(now),
      history: {
        measuredIntervals: this.#measured,
        ...(this.#lastReading ? { powerW: this.#lastReading.powerW } : {}),
      },
      bounds,
      market,
      account,
    })
    if (d.suppressedSells > 0) metrics?.ordersSuppressed.inc({ reason: 'meter_stale' }, d.suppressedSells)
    const notes = d.suppressedSells > 0 ? 'sell suppressed: meter stale' : ''
    const orders = d.orders.map((o) => this.#c.sign(o))
    crashpoint('before-decision-store')
    store.saveDecision(k, now, d.forecast.netWh, orders, notes)
    crashpoint('after-decision-store')
    logger.info({ interval: k, forecastNetWh: d.forecast.netWh, orders: orders.length, notes }, 'decided')
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

  /**
   * A peer's order as it arrives: only counted. The network agrees on each interval's set and hands it over with the
   * outcome; storing every gossip message here (one synchronous write per order) was the largest cost of a node.
   */
  #onOrder(_o: VerifiedOrder): void {
    this.#c.metrics?.ordersReceived.inc()
  }

  #reportBacklog(now: number): void {
    const backlog = this.#c.settlement.backlog(now)
    this.#c.metrics?.settlementPending.set(backlog.pending)
    this.#c.metrics?.settlementLagS.set(backlog.oldestAgeMs / 1000)
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

  /** Why an interval's batch is not (yet) on chain (the last error the batcher met), if the adapter tracks it. */
  settlementReason(interval: number): string | undefined {
    return this.#c.settlement.reason?.(interval)
  }

  /** A snapshot for the status API and the dashboard. */
  snapshot() {
    const { store, network, settlement, clock } = this.#c
    const now = clock.now()
    const { time, pollMs } = this.#init
    const open = nextOpenInterval(time, now)
    const fresh = this.#meterFresh(now)
    const peers = network.peerCount()
    const backlog = settlement.backlog(now)
    const health = nodeHealth({
      now,
      lastTickMs: this.#lastTickMs,
      pollMs,
      meterFresh: fresh,
      meterError: this.#meterError,
      peers,
      settlementLagMs: backlog.oldestAgeMs,
      intervalMs: time.lengthS * 1000,
    })
    return {
      account: this.#init.account,
      market: this.#init.market,
      now,
      ...health,
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
