import type { DatabaseSync } from 'node:sqlite'
import pino from 'pino'
import type { Hex } from 'viem'
import { TEST_DOMAIN } from '../../src/core/market/testBooks.js'
import { accountOf, signOrder } from '../../src/core/order/signOrder.js'
import type { MarketDomain, VerifiedOrder } from '../../src/core/order/types.js'
import type { Clock } from '../../src/core/time/clock.js'
import { marketTime } from '../../src/core/time/interval.js'
import { marketClear, persistenceForecaster, spreadStrategy } from '../../src/node/defaults.js'
import { GridletNode, type NodeInit } from '../../src/node/gridletNode.js'
import type { NodeMetrics } from '../../src/node/metrics.js'
import type {
  Forecaster,
  MarketNetwork,
  MeterReading,
  MeterSource,
  Settlement,
  SettlementBatch,
} from '../../src/node/ports.js'
import { toJson } from '../../src/store/codec.js'
import { openStore } from '../../src/store/index.js'

export const DOMAIN: MarketDomain = TEST_DOMAIN
export const MARKET = `0x${'ab'.repeat(32)}` as Hex
export const TIME = marketTime({ lengthS: 300, gateClosureS: 60, maxSkewS: 2 })

/** An in-process gossip: every connected member sees every other member's orders and roots. */
interface Member {
  connected: boolean
  published: VerifiedOrder[]
  handlers: ((o: VerifiedOrder) => void)[]
  roots: Map<number, Hex>
  network: MarketNetwork
}

export function memoryHub() {
  const members = new Set<Member>()
  const member = (): Member => {
    const handlers: ((o: VerifiedOrder) => void)[] = []
    const roots = new Map<number, Hex>()
    const m: Member = {
      connected: true,
      published: [] as VerifiedOrder[],
      handlers,
      roots,
      network: {
        async start() {},
        async stop() {},
        async publishOrder(o) {
          if (!m.connected || others().length === 0) throw new Error('no peers')
          m.published.push(o as VerifiedOrder)
          for (const p of others()) for (const h of p.handlers) h(o as VerifiedOrder)
        },
        onOrder(h) {
          handlers.push(h)
        },
        async publishResult(k, root) {
          roots.set(k, root)
        },
        peerRoots(k): Hex[] {
          return others()
            .map((p) => p.roots.get(k))
            .filter((r): r is Hex => r !== undefined)
        },
        peerCount: () => others().length,
        async reconcile(intervals) {
          // Pull every order peers hold for these intervals.
          for (const p of others())
            for (const o of p.published)
              if (intervals.includes(Number(o.order.interval))) for (const h of handlers) h(o)
        },
      } satisfies MarketNetwork,
    }
    const others = (): Member[] => (m.connected ? [...members].filter((p) => p !== m && p.connected) : [])
    members.add(m)
    return m
  }
  return { member }
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

/** A forecaster that predicts a fixed net energy per interval. */
export const fixedForecast = (netWh: number): Forecaster => ({ observe() {}, forecast: () => ({ netWh }) })

export function testNode(
  clock: Clock,
  opts: {
    key: Hex
    network: MarketNetwork
    settlement: Settlement
    meter: MeterSource
    forecaster?: Forecaster
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
      forecaster: opts.forecaster ?? persistenceForecaster(288),
      strategy: spreadStrategy(),
      network: opts.network,
      settlement: opts.settlement,
      clear: marketClear({ rule: 'k-da', retailPrice: 300_000n, feedInPrice: 80_000n, lengthS: TIME.lengthS }),
      sign: (o) => signOrder(opts.key, DOMAIN, o),
      logger: pino({ level: 'silent' }),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    },
    {
      account,
      domain: DOMAIN,
      market: MARKET,
      time: TIME,
      retailPrice: 300_000n,
      feedInPrice: 80_000n,
      pollMs: 10_000,
      meterTimeoutMs: 1000,
      staleAfterMs: 60_000,
      submit: 'own-sells',
      minQuantityWh: 10n,
      maxQuantityWh: 20_000n,
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
