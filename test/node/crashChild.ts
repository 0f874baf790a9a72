/**
 * The node as a child process for the crash test: the real store, loop, HTTP server, simulated meter, the default
 * decider (core forecasters + forecast-aware strategy, clamped and merged by the core order policy) and the chain's
 * settlement batcher against anvil. Its network is a fake of the production port (MarketNetwork with outcomes, as
 * the p2p adapter delivers them): an in-process counterparty, a second registered household, bids for whatever we
 * offer, and at each gate closure (plus skew) the two agree on the clearing of both households' orders. The
 * counterparty keeps what it saw in peer.jsonl, so after a restart it delivers the recent outcomes again, like the
 * p2p results catch-up. Every order that leaves the process is appended to wire.jsonl before delivery.
 * Env: DATA_DIR, SPEED, T0, RPC_URL, CHAIN_ID, SETTLEMENT, MARKET, KEY0, KEY1.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import type { Hex } from 'viem'
import { signAttestations } from '../../src/chain/signAttestations.js'
import { parseConfig } from '../../src/config/loadConfig.js'
import { clear } from '../../src/core/market/clear.js'
import { accountOf, signOrder } from '../../src/core/order/signOrder.js'
import { Side, type VerifiedOrder } from '../../src/core/order/types.js'
import { setHash } from '../../src/core/protocol/announcements.js'
import { acceleratedClock, type Clock } from '../../src/core/time/clock.js'
import { gateClosureMs, intervalAt, type MarketTime } from '../../src/core/time/interval.js'
import type { MarketNetwork, NetworkOutcome } from '../../src/node/ports.js'
import { startNode } from '../../src/node/startNode.js'
import { decodeSigned, encodeSigned, toJson } from '../../src/store/codec.js'

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
    http: { port: 0 },
    store: { path: 'node.sqlite' },
    log: { level: 'debug' },
  },
  dir,
)

function counterparty(domain: Parameters<typeof signOrder>[1], time: MarketTime, c: Clock): MarketNetwork {
  const key = env('KEY1')
  const peerFile = join(dir, 'peer.jsonl')
  const known = new Map<number, Map<Hex, VerifiedOrder>>()
  const orderHandlers: ((o: VerifiedOrder) => void)[] = []
  const outcomeHandlers: ((o: NetworkOutcome) => void)[] = []
  const stop = new AbortController()
  const remember = (o: VerifiedOrder) => {
    const k = Number(o.order.interval)
    if (!known.has(k)) known.set(k, new Map())
    known.get(k)!.set(o.id, o)
  }
  if (existsSync(peerFile)) {
    for (const line of readFileSync(peerFile, 'utf8').split('\n')) if (line) remember(decodeSigned(line))
  }
  const conclude = (k: number) => {
    const orders = [...(known.get(k)?.values() ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1))
    const { rule, retailPrice, feedInPrice, k: kda } = config.market
    const result = clear(orders, {
      rule,
      retailPrice,
      feedInPrice,
      k: { num: BigInt(kda.num), den: BigInt(kda.den) },
      interval: BigInt(k),
      lengthS: time.lengthS,
    })
    // Both registered households vote for the root (a quorum of 2): the contract pays only with their signatures.
    const setHashOfOrders = setHash(orders.map((o) => o.id))
    const attestations = signAttestations(
      [env('KEY0'), key].map((privateKey) => ({ address: accountOf(privateKey), privateKey })),
      domain,
      { market: env('MARKET') as Hex, interval: BigInt(k), setHash: setHashOfOrders, root: result.root },
    )
    const outcome = { interval: k, result, orders, agreed: true, votesForRoot: 2, voters: 2, attestations }
    for (const h of outcomeHandlers) h(outcome)
  }
  const loop = async () => {
    // Catch-up after a (re)start: the last intervals again, then each one as its gate closes.
    let k = intervalAt(time, c.now()) - 2
    for (; gateClosureMs(time, k) + time.maxSkewS * 1000 < c.now(); k++) conclude(k)
    for (;;) {
      await c.sleepUntil(gateClosureMs(time, k) + time.maxSkewS * 1000 + 1, stop.signal)
      conclude(k++)
    }
  }
  return {
    async start() {
      void loop().catch(() => {})
    },
    async stop() {
      stop.abort()
    },
    async publishOrder(o) {
      const v = o as VerifiedOrder
      appendFileSync(
        join(dir, 'wire.jsonl'),
        `${toJson({ interval: v.order.interval, nonce: v.order.nonce, id: v.id })}\n`,
      )
      if (known.get(Number(v.order.interval))?.has(v.id)) return
      remember(v)
      appendFileSync(peerFile, `${encodeSigned(v)}\n`)
      if (v.order.side !== Side.Sell) return
      const bid = signOrder(key, domain, { ...v.order, side: Side.Buy, limitPrice: 300_000n, account: accountOf(key) })
      remember(bid)
      appendFileSync(peerFile, `${encodeSigned(bid)}\n`)
      for (const h of orderHandlers) h(bid)
    },
    onOrder: (h) => void orderHandlers.push(h),
    onOutcome: (h) => void outcomeHandlers.push(h),
    peerCount: () => 1,
  }
}

const running = await startNode({
  config,
  privateKey: env('KEY0'),
  clock,
  logger: pino({ level: 'debug' }),
  adapters: {
    network: (ctx) => counterparty(ctx.domain, ctx.time, ctx.clock),
  },
})
process.stdout.write(`${JSON.stringify({ msg: 'ready', url: running.http.url })}\n`)
process.once('SIGTERM', () => void running.stop().then(() => process.exit(0)))
