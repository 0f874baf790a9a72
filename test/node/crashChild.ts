/**
 * The node as a child process for the crash test: the real store, loop, HTTP server, simulated meter and the chain's
 * settlement batcher against anvil, with an in-process counterparty (a second registered household that bids for
 * whatever we offer and announces its clearing root). Every order that leaves the process is appended to
 * wire.jsonl before delivery. Env: DATA_DIR, SPEED, T0, RPC_URL, CHAIN_ID, SETTLEMENT, MARKET, KEY0, KEY1.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import type { Hex } from 'viem'
import { parseConfig } from '../../src/config/loadConfig.js'
import { accountOf, signOrder } from '../../src/core/order/signOrder.js'
import { Side, type VerifiedOrder } from '../../src/core/order/types.js'
import { acceleratedClock } from '../../src/core/time/clock.js'
import { marketClear } from '../../src/node/defaults.js'
import type { MarketNetwork } from '../../src/node/ports.js'
import { startNode } from '../../src/node/startNode.js'
import { toJson } from '../../src/store/codec.js'
import { fixedForecast } from './fakes.js'

const dir = process.env.DATA_DIR!
const speed = Number(process.env.SPEED ?? 60)
const t0 = Number(process.env.T0)
const env = (k: string) => process.env[k] as Hex
// Simulated time continues across restarts: it is anchored to the real time of the first start.
const anchorFile = join(dir, 'anchor')
if (!existsSync(anchorFile)) writeFileSync(anchorFile, String(Date.now()))
const realStart = Number(readFileSync(anchorFile, 'utf8'))
const clock = acceleratedClock({ startMs: t0 + (Date.now() - realStart) * speed, speed })

const config = parseConfig(
  {
    market: {
      id: env('MARKET'),
      chainId: Number(process.env.CHAIN_ID),
      contract: env('SETTLEMENT'),
      intervalS: 60,
      gateClosureS: 10,
      maxSkewS: 1,
    },
    meter: { kind: 'simulated', pollS: 2, staleAfterS: 30 },
    chain: { rpcUrl: process.env.RPC_URL, retryS: 1 },
    strategy: { name: 'spread' },
    http: { port: 0 },
    store: { path: 'node.sqlite' },
    log: { level: 'debug' },
  },
  dir,
)
const clearFn = marketClear({ ...config.market, lengthS: 60 })

function counterparty(domain: Parameters<typeof signOrder>[1]): MarketNetwork {
  const key = env('KEY1')
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

const running = await startNode({
  config,
  privateKey: env('KEY0'),
  clock,
  logger: pino({ level: 'debug' }),
  adapters: {
    network: (ctx) => counterparty(ctx.domain),
    forecaster: () => fixedForecast(300),
  },
})
process.stdout.write(`${JSON.stringify({ msg: 'ready', url: running.http.url })}\n`)
process.once('SIGTERM', () => void running.stop().then(() => process.exit(0)))
