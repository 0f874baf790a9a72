import type { DatabaseSync } from 'node:sqlite'
import pino from 'pino'
import type { Hex } from 'viem'
import type { Forecaster, Quantiles } from '../../src/core/forecast/types.js'
import { clear } from '../../src/core/market/clear.js'
import { TEST_DOMAIN } from '../../src/core/market/testBooks.js'
import type { MeterReading } from '../../src/core/meter/reading.js'
import { DEFAULT_ORDER_LIMITS } from '../../src/core/order/orderPolicy.js'
import { accountOf, signOrder } from '../../src/core/order/signOrder.js'
import type { MarketDomain, VerifiedOrder } from '../../src/core/order/types.js'
import type { Clock } from '../../src/core/time/clock.js'
import { gateClosureMs, type MarketTime, marketTime } from '../../src/core/time/interval.js'
import { spreadStrategy } from '../../src/node/defaults.js'
import { GridletNode, type NodeInit } from '../../src/node/gridletNode.js'
import type { NodeMetrics } from '../../src/node/metrics.js'
import type {
  Decider,
  MarketNetwork,
  MeterSource,
  NetworkOutcome,
  Settlement,
  SettlementBatch,
} from '../../src/node/ports.js'
import { toJson } from '../../src/store/codec.js'
import { openStore } from '../../src/store/index.js'

export const DOMAIN: MarketDomain = TEST_DOMAIN
export const MARKET = `0x${'ab'.repeat(32)}` as Hex
export const TIME = marketTime({ lengthS: 300, gateClosureS: 60, maxSkewS: 2 })
export const PRICES = { retailPrice: 300_000n, feedInPrice: 80_000n }

interface Member {
  connected: boolean
  readonly published: VerifiedOrder[]
  readonly orderHandlers: ((o: VerifiedOrder) => void)[]
  readonly outcomeHandlers: ((o: NetworkOutcome) => void)[]
  /** Intervals this member has an agreed outcome for. */
  readonly agreed: Set<number>
  readonly network: MarketNetwork
}

/**
 * An in-process market that speaks the production network port (src/node/ports.ts MarketNetwork, as
 * src/node/adapters/p2pNetwork.ts implements it): connected members see each other's orders; `conclude` plays the
 * agreement protocol for every interval whose gate closed: the connected members clear the orders they published
 * and, with a quorum of the registered households (a majority), each gets the agreed outcome; a member cut off gets
 * a NO_QUORUM outcome of its own orders, and the agreed ones it missed once it is back (the p2p results catch-up).
 * `dispute(k)` makes interval k end in DISAGREE for everyone (a quorum for another root).
 */
export function memoryHub(opts: { time?: MarketTime; registered?: number } = {}) {
  const time = opts.time ?? TIME
  const members: Member[] = []
  const concluded = new Map<number, NetworkOutcome>()
  const disputed = new Set<number>()
  const outcomeOf = (k: number, orders: readonly VerifiedOrder[], agreed: boolean, votes: number): NetworkOutcome => {
    const result = clear(orders, { rule: 'k-da', interval: BigInt(k), ...PRICES, lengthS: time.lengthS })
    const voters = members.filter((m) => m.connected).length
    return agreed
      ? { interval: k, result, orders, agreed, votesForRoot: votes, voters, attestations: [] }
      : {
          interval: k,
          result,
          orders,
          agreed,
          reason: 'NO_QUORUM',
          votesForRoot: votes,
          voters: votes,
          attestations: [],
        }
  }
  const deliver = (m: Member, o: NetworkOutcome) => {
    if (o.agreed) m.agreed.add(o.interval)
    for (const h of m.outcomeHandlers) h(o)
  }
  const member = (): Member => {
    const m: Member = {
      connected: true,
      published: [],
      orderHandlers: [],
      outcomeHandlers: [],
      agreed: new Set(),
      network: {
        async start() {},
        async stop() {},
        async publishOrder(o) {
          if (!m.connected || others().length === 0) throw new Error('no peers subscribed to the topic')
          if (m.published.some((p) => p.id === (o as VerifiedOrder).id)) return
          m.published.push(o as VerifiedOrder)
          for (const p of others()) for (const h of p.orderHandlers) h(o as VerifiedOrder)
        },
        onOrder: (h) => void m.orderHandlers.push(h),
        onOutcome: (h) => void m.outcomeHandlers.push(h),
        peerCount: () => others().length,
      },
    }
    const others = (): Member[] => (m.connected ? members.filter((p) => p !== m && p.connected) : [])
    members.push(m)
    return m
  }
  const registered = () => opts.registered ?? members.length
  return {
    member,
    dispute: (k: number) => void disputed.add(k),
    /** Concludes every interval whose gate closed (plus the skew) by `now`; catches up members that came back. */
    conclude(now: number) {
      const quorum = Math.floor(registered() / 2) + 1
      const up = members.filter((m) => m.connected)
      const all = members.flatMap((m) => m.published.map((o) => Number(o.order.interval)))
      const open = [...new Set(all)].filter(
        (k) => !concluded.has(k) && gateClosureMs(time, k) + time.maxSkewS * 1000 < now,
      )
      for (const k of open.sort((a, b) => a - b)) {
        const ofUp = up.flatMap((m) => m.published.filter((o) => Number(o.order.interval) === k))
        const agreed = up.length >= quorum
        const outcome = disputed.has(k)
          ? { ...outcomeOf(k, ofUp, false, 1), reason: 'DISAGREE' as const, voters: up.length }
          : outcomeOf(k, ofUp, agreed, up.length)
        concluded.set(k, outcome)
        for (const m of up) deliver(m, outcome)
        for (const m of members.filter((x) => !x.connected)) {
          const own = m.published.filter((o) => Number(o.order.interval) === k)
          deliver(m, outcomeOf(k, own, false, 1))
        }
      }
      // Catch-up: a member that is back receives the agreed outcomes it missed.
      for (const m of up) for (const [k, o] of concluded) if (o.agreed && !m.agreed.has(k)) deliver(m, o)
    },
    /** Delivers interval k's outcome once more to everyone (a duplicate from the network must change nothing). */
    redeliver(k: number) {
      const o = concluded.get(k)
      if (o) for (const m of members) for (const h of m.outcomeHandlers) h(o)
    },
  }
}

/** A settlement outbox in the node's db and a fake chain that, like the contract, ignores a batch key twice. */
export function fakeSettlement(clock: Clock) {
  const chain = { up: true, paid: new Map<string, SettlementBatch>(), submissions: 0 }
  let db: DatabaseSync | undefined
  const s = {
    chain,
    migrate(d: DatabaseSync) {
      d.exec(`CREATE TABLE IF NOT EXISTS fake_outbox (key TEXT PRIMARY KEY, payload TEXT NOT NULL,
        created_ms INTEGER NOT NULL, confirmed_ms INTEGER)`)
    },
    enqueue(d: DatabaseSync, b: SettlementBatch) {
      db = d
      d.prepare('INSERT OR IGNORE INTO fake_outbox (key, payload, created_ms) VALUES (?, ?, ?)').run(
        b.key,
        toJson(b),
        clock.now(),
      )
    },
    start() {},
    async stop() {},
    /** One retry pass of the batcher: submit what is pending if the chain is up. */
    pump() {
      if (!db || !chain.up) return
      for (const row of db.prepare('SELECT key, payload FROM fake_outbox WHERE confirmed_ms IS NULL').all()) {
        chain.submissions++
        if (!chain.paid.has(row.key as string)) chain.paid.set(row.key as string, JSON.parse(row.payload as string))
        db.prepare('UPDATE fake_outbox SET confirmed_ms = ? WHERE key = ?').run(clock.now(), row.key as string)
      }
    },
    backlog(nowMs: number) {
      if (!db) return { pending: 0, oldestAgeMs: 0 }
      const r = db.prepare('SELECT count(*) n, min(created_ms) t FROM fake_outbox WHERE confirmed_ms IS NULL').get()!
      return { pending: Number(r.n), oldestAgeMs: r.t === null ? 0 : nowMs - Number(r.t) }
    },
  }
  return s satisfies Settlement & { pump(): void }
}

/** A meter whose counters follow a fixed net power; `silent` makes it time out like a dead RS-485 line. */
export function fakeMeter(clock: Clock, powerW: number) {
  const m = {
    silent: false,
    powerW,
    importWh: 0,
    exportWh: 0,
    lastTs: clock.now(),
    reads: 0,
    meter: {
      async read(): Promise<MeterReading> {
        if (m.silent) throw Object.assign(new Error('no answer'), { kind: 'timeout' })
        const now = clock.now()
        const wh = (m.powerW * (now - m.lastTs)) / 3_600_000
        if (wh > 0) m.importWh += Math.round(wh)
        else m.exportWh += Math.round(-wh)
        m.lastTs = now
        m.reads++
        return { ts: now, powerW: m.powerW, importWh: m.importWh, exportWh: m.exportWh }
      },
      async close() {},
    } satisfies MeterSource,
  }
  return m
}

/** A core forecaster that predicts the same energy for every slot. */
export function constantForecaster(wh: number): Forecaster {
  const q = (n: number): Quantiles => {
    const v = new Float64Array(n).fill(wh)
    return { p10: v, p50: v, p90: v }
  }
  return { model: 'persistence', observe() {}, forecast: (_from, n) => q(n) }
}

/** A decider that forecasts a fixed net energy per interval (+ surplus, - deficit) and bids it with `spread`. */
export const fixedDecider = (netWh: number): Decider => ({
  load: constantForecaster(Math.max(0, -netWh)),
  pv: constantForecaster(Math.max(0, netWh)),
  strategy: spreadStrategy(),
})

export function testNode(
  clock: Clock,
  opts: {
    key: Hex
    network: MarketNetwork
    settlement: Settlement
    meter: MeterSource
    decider?: Decider
    storePath?: string
    metrics?: NodeMetrics
    init?: Partial<NodeInit>
  },
) {
  const store = openStore(opts.storePath ?? ':memory:', [{ name: 'settlement', migrate: opts.settlement.migrate }])
  const account = accountOf(opts.key)
  const node = new GridletNode(
    {
      clock,
      store,
      meter: opts.meter,
      decider: opts.decider ?? fixedDecider(0),
      network: opts.network,
      settlement: opts.settlement,
      sign: (o) => signOrder(opts.key, DOMAIN, o),
      logger: pino({ level: 'silent' }),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    },
    {
      account,
      domain: DOMAIN,
      market: MARKET,
      time: TIME,
      ...PRICES,
      pollMs: 10_000,
      meterTimeoutMs: 1000,
      staleAfterMs: 60_000,
      submit: 'own-sells',
      bounds: { ...DEFAULT_ORDER_LIMITS, minSellPrice: PRICES.feedInPrice, maxBuyPrice: PRICES.retailPrice },
      retainMs: 90 * 86_400_000,
      ...opts.init,
    },
  )
  return { node, store, account }
}

export const KEYS: Hex[] = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
]
