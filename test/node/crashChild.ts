/**
 * The node as a child process for the crash test: the real store, loop, HTTP server and simulated meter, with an
 * in-process counterparty (a second household that bids for whatever we offer and announces its clearing root) and
 * a fake chain in its own SQLite file that, like the contract, pays a batch key once but records every submission.
 * Every order that leaves the process is appended to wire.jsonl before delivery. Env: DATA_DIR, SPEED, T0.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import pino from 'pino'
import type { Hex } from 'viem'
import { parseConfig } from '../../src/config/loadConfig.js'
import { accountOf, signOrder } from '../../src/core/order/signOrder.js'
import { Side, type VerifiedOrder } from '../../src/core/order/types.js'
import { acceleratedClock } from '../../src/core/time/clock.js'
import { crashpoint } from '../../src/node/crashpoint.js'
import { marketClear } from '../../src/node/defaults.js'
import type { MarketNetwork, Settlement } from '../../src/node/ports.js'
import { startNode } from '../../src/node/startNode.js'
import { toJson } from '../../src/store/codec.js'
import { fixedForecast, KEYS } from './fakes.js'

const dir = process.env.DATA_DIR!
const speed = Number(process.env.SPEED ?? 60)
const t0 = Number(process.env.T0 ?? Date.UTC(2026, 5, 1, 12))
// Simulated time continues across restarts: it is anchored to the real time of the first start.
const anchorFile = join(dir, 'anchor')
if (!existsSync(anchorFile)) writeFileSync(anchorFile, String(Date.now()))
const realStart = Number(readFileSync(anchorFile, 'utf8'))
const clock = acceleratedClock({ startMs: t0 + (Date.now() - realStart) * speed, speed })

const config = parseConfig(
  {
    market: { name: 'crash-test', intervalS: 60, gateClosureS: 10, maxSkewS: 1 },
    meter: { kind: 'simulated', pollS: 2, staleAfterS: 30 },
    http: { port: 0 },
    store: { path: 'node.sqlite' },
    log: { level: 'debug' },
  },
  dir,
)
const clearFn = marketClear({ ...config.market, lengthS: 60 })

function counterparty(domain: Parameters<typeof signOrder>[1]): MarketNetwork {
  const key = KEYS[1]!
  const known = new Map<number, Map<Hex, VerifiedOrder>>()
  const handlers: ((o: VerifiedOrder) => void)[] = []
  const remember = (o: VerifiedOrder) => {
    const k = Number(o.order.interval)
    if (!known.has(k)) known.set(k, new Map())
    known.get(k)!.set(o.id, o)
  }
  return {
    async start() {},
    async stop() {},
    async publishOrder(o) {
      const v = o as VerifiedOrder
      appendFileSync(
        join(dir, 'wire.jsonl'),
        `${toJson({ interval: v.order.interval, nonce: v.order.nonce, id: v.id })}\n`,
      )
      remember(v)
      if (v.order.side !== Side.Sell) return
      const bid = signOrder(key, domain, {
        ...v.order,
        side: Side.Buy,
        limitPrice: 300_000n,
        account: accountOf(key),
        nonce: 0n,
      })
      remember(bid)
      for (const h of handlers) h(bid)
    },
    onOrder: (h) => handlers.push(h),
    async publishResult() {},
    peerRoots(k) {
      const orders = known.get(k)
      return orders ? [clearFn([...orders.values()], k).root] : []
    },
    peerCount: () => 1,
  }
}

function fakeChain(): Settlement & { pump(): void } {
  const chain = new DatabaseSync(join(dir, 'chain.sqlite'))
  chain.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
    CREATE TABLE IF NOT EXISTS payments (key TEXT PRIMARY KEY, trades TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS submissions (id INTEGER PRIMARY KEY, key TEXT NOT NULL)`)
  let db: DatabaseSync | undefined
  const s = {
    migrate(d: DatabaseSync) {
      db = d
      d.exec(`CREATE TABLE IF NOT EXISTS fake_outbox (key TEXT PRIMARY KEY, payload TEXT NOT NULL,
        created_ms INTEGER NOT NULL, confirmed_ms INTEGER)`)
    },
    enqueue(d: DatabaseSync, b: Parameters<Settlement['enqueue']>[1]) {
      d.prepare('INSERT OR IGNORE INTO fake_outbox (key, payload, created_ms) VALUES (?, ?, ?)').run(
        b.key,
        toJson(b),
        clock.now(),
      )
    },
    pump() {
      if (!db?.isOpen) return
      for (const row of db.prepare('SELECT key, payload FROM fake_outbox WHERE confirmed_ms IS NULL').all()) {
        crashpoint('before-submit')
        chain.exec('BEGIN')
        chain.prepare('INSERT INTO submissions (key) VALUES (?)').run(row.key as string)
        const trades = toJson(JSON.parse(row.payload as string).trades)
        chain.prepare('INSERT OR IGNORE INTO payments (key, trades) VALUES (?, ?)').run(row.key as string, trades)
        chain.exec('COMMIT')
        crashpoint('after-submit')
        db.prepare('UPDATE fake_outbox SET confirmed_ms = ? WHERE key = ?').run(clock.now(), row.key as string)
      }
    },
    timer: undefined as NodeJS.Timeout | undefined,
    start() {
      s.timer = setInterval(() => s.pump(), 100)
    },
    async stop() {
      clearInterval(s.timer)
    },
    backlog(nowMs: number) {
      if (!db?.isOpen) return { pending: 0, oldestAgeMs: 0 }
      const r = db.prepare('SELECT count(*) n, min(created_ms) t FROM fake_outbox WHERE confirmed_ms IS NULL').get()!
      return { pending: Number(r.n), oldestAgeMs: r.t === null ? 0 : nowMs - Number(r.t) }
    },
  }
  return s
}

const running = await startNode({
  config,
  privateKey: KEYS[0]!,
  clock,
  logger: pino({ level: 'debug' }),
  adapters: {
    network: (ctx) => counterparty(ctx.domain),
    settlement: () => fakeChain(),
    forecaster: () => fixedForecast(300),
  },
})
process.stdout.write(`${JSON.stringify({ msg: 'ready', url: running.http.url })}\n`)
process.once('SIGTERM', () => void running.stop().then(() => process.exit(0)))
