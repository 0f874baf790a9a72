import { type Address, type Hex, keccak256, stringToHex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { TEST_DOMAIN } from '../../src/core/market/testBooks.js'
import { signOrder } from '../../src/core/order/signOrder.js'
import type { Order, SignedOrder, VerifiedOrder } from '../../src/core/order/types.js'
import { Side } from '../../src/core/order/types.js'
import { acceleratedClock, type Clock } from '../../src/core/time/clock.js'
import {
  gateClosureMs,
  intervalStartMs,
  type MarketTime,
  marketTime,
  nextOpenInterval,
} from '../../src/core/time/interval.js'
import { accountOf } from '../../src/p2p/accountSig.js'
import type { HouseholdRegistry } from '../../src/p2p/binding.js'
import { pubsubOf } from '../../src/p2p/createLibp2pNode.js'
import {
  type AgreementTiming,
  createMarketNode,
  type IntervalOutcome,
  type MarketNode,
  type MarketNodeInit,
} from '../../src/p2p/createMarketNode.js'
import type { FaultInjector } from '../../src/p2p/faults.js'

export const DOMAIN = TEST_DOMAIN
export const MARKET: Hex = keccak256(stringToHex('gridlet test market'))
export const CLEARING = { rule: 'k-da', retailPrice: 300_000n, feedInPrice: 80_000n } as const

/** 60 s intervals, gate 10 s before start, 1 s skew; with speed 30 one interval lasts 2 s of real time. */
export const TIME: MarketTime = marketTime({ lengthS: 60, gateClosureS: 10, maxSkewS: 1 })
export const SPEED = 30
export const TIMING: AgreementTiming = { digestDelayMs: 3000, digestWindowMs: 12_000, resultWindowMs: 15_000 }

export interface Household {
  key: Hex
  account: Address
}

export function households(n: number): Household[] {
  return Array.from({ length: n }, () => {
    const key = generatePrivateKey()
    return { key, account: accountOf(key) }
  })
}

export function registryOf(hs: readonly Household[]): HouseholdRegistry & { add(a: Address): void } {
  const set = new Set(hs.map((h) => h.account))
  return {
    get size() {
      return set.size
    },
    has: (a) => set.has(a),
    add: (a) => set.add(a),
  }
}

/** A clock starting at the beginning of an interval, far from its gate. */
export function testClock(speed = SPEED): Clock {
  const start = intervalStartMs(TIME, 30_000_000)
  return acceleratedClock({ startMs: start, speed })
}

export interface Net {
  nodes: MarketNode[]
  hs: Household[]
  clock: Clock
  registry: ReturnType<typeof registryOf>
  stop(): Promise<void>
}

export interface NetOptions {
  n: number
  /** Registered households (default: the n that run nodes). */
  hs?: Household[]
  degree?: number
  clock?: Clock
  faults?: (i: number) => FaultInjector | undefined
  overrides?: (i: number) => Partial<MarketNodeInit>
}

export function nodeInit(h: Household, net: { clock: Clock; registry: HouseholdRegistry }): MarketNodeInit {
  return {
    privateKey: h.key,
    domain: DOMAIN,
    market: MARKET,
    marketTime: TIME,
    clock: net.clock,
    registry: net.registry,
    clearing: CLEARING,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    timing: TIMING,
    libp2p: { inboundConnectionThreshold: 10_000 },
  }
}

/** Starts `n` nodes on loopback; node i dials `degree` random earlier nodes (and its predecessor). */
export async function startNet(opts: NetOptions): Promise<Net> {
  const hs = opts.hs ?? households(opts.n)
  const registry = registryOf(hs)
  const clock = opts.clock ?? testClock()
  const nodes: MarketNode[] = []
  for (let i = 0; i < opts.n; i++) {
    const faults = opts.faults?.(i)
    const node = await createMarketNode({
      ...nodeInit(hs[i]!, { clock, registry }),
      ...(faults ? { faults } : {}),
      ...opts.overrides?.(i),
    })
    await node.start()
    nodes.push(node)
  }
  const t0 = Date.now()
  await connect(nodes, opts.degree ?? 4)
  const t1 = Date.now()
  await waitForMesh(nodes)
  if (process.env.P2P_DEBUG) console.log(`connect ${t1 - t0} ms, mesh ${Date.now() - t1} ms`)
  return {
    nodes,
    hs,
    clock,
    registry,
    stop: () => Promise.all(nodes.map((n) => n.stop())).then(() => {}),
  }
}

export async function connect(nodes: readonly MarketNode[], degree: number): Promise<void> {
  for (let i = 1; i < nodes.length; i++) {
    const targets = new Set<number>([i - 1])
    while (targets.size < Math.min(i, degree)) targets.add(Math.floor(Math.random() * i))
    await Promise.all([...targets].map((t) => dialWithRetry(nodes[i]!, nodes[t]!)))
  }
}

/** Dials with retries: on a loaded 2-core machine a Noise handshake can time out. */
export async function dialWithRetry(from: MarketNode, to: MarketNode, attempts = 3): Promise<void> {
  for (let a = 1; ; a++) {
    try {
      await from.libp2p.dial(to.multiaddrs()[0]!)
      return
    } catch (err) {
      if (a >= attempts) throw err
      await sleep(200 * a)
    }
  }
}

/** Waits until every node has a mesh peer and every connection is bound to a household. */
export async function waitForMesh(nodes: readonly MarketNode[], timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (nodes.every((n) => n.stats().meshPeers >= Math.min(2, nodes.length - 1) && n.stats().boundPeers >= 1)) return
    await sleep(100)
  }
  const s = nodes[0]!.stats()
  throw new Error(
    `mesh not formed: mesh ${nodes.map((n) => n.stats().meshPeers)} peers ${nodes.map((n) => n.stats().peers)} ` +
      `node0 ${JSON.stringify(s.validation)} scores ${nodes[0]!.libp2p.getPeers().map((p) => pubsubOf(nodes[0]!.libp2p).getScore(p.toString()).toFixed(1))}`,
  )
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** An interval whose gate closes at least `minLeadMs` (clock) from now. */
export function upcomingInterval(clock: Clock, minLeadMs = 20_000): bigint {
  let k = nextOpenInterval(TIME, clock.now())
  while (gateClosureMs(TIME, k) - clock.now() < minLeadMs) k++
  return BigInt(k)
}

export function makeOrder(
  h: Household,
  k: bigint,
  side: Side,
  quantityWh: bigint,
  limitPrice: bigint,
  nonce = 0n,
): VerifiedOrder {
  const order: Order = {
    market: MARKET,
    interval: k,
    side,
    quantityWh,
    limitPrice,
    account: h.account,
    nonce,
    expiry: (k + 10n) * BigInt(TIME.lengthS),
  }
  return signOrder(h.key, DOMAIN, order)
}

/** One order per household: even households sell, odd ones buy, prices spread around 150 000. */
export function bookFor(hs: readonly Household[], k: bigint): VerifiedOrder[] {
  return hs.map((h, i) =>
    i % 2 === 0
      ? makeOrder(h, k, Side.Sell, 500n + BigInt(i * 10), 100_000n + BigInt(i * 1000))
      : makeOrder(h, k, Side.Buy, 400n + BigInt(i * 10), 200_000n - BigInt(i * 1000)),
  )
}

/**
 * Resolves with every node's outcome for interval `k`: its first agreed one, or, if it only reports a
 * non-agreed one, that one after `graceMs` without a late confirmation.
 */
export function outcomesFor(nodes: readonly MarketNode[], k: bigint, timeoutMs = 20_000, graceMs = 3000) {
  return Promise.all(nodes.map((n) => outcomeOf(n, k, timeoutMs, graceMs)))
}

export function outcomeOf(n: MarketNode, k: bigint, timeoutMs = 20_000, graceMs = 3000): Promise<IntervalOutcome> {
  return new Promise<IntervalOutcome>((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined
    const finish = (o: IntervalOutcome) => {
      clearTimeout(timer)
      clearTimeout(grace)
      off()
      resolve(o)
    }
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no outcome for ${k} from ${n.account}`))
    }, timeoutMs)
    const off = n.onResult((o) => {
      if (o.interval !== k) return
      if (o.agreed) return finish(o)
      grace ??= setTimeout(() => finish(o), graceMs)
    })
  })
}

/** Resolves when every node in `nodes` holds every id (polling their order events). */
export async function waitForOrders(nodes: readonly MarketNode[], ids: readonly Hex[], timeoutMs = 10_000) {
  const want = ids.map((i) => i.toLowerCase())
  const seen = nodes.map(() => new Set<string>())
  const offs = nodes.map((n, i) => n.onOrder((o) => seen[i]!.add(o.id.toLowerCase())))
  try {
    const until = Date.now() + timeoutMs
    while (!nodes.every((n, i) => want.every((id) => seen[i]!.has(id) || n.hasOrder(id as Hex)))) {
      if (Date.now() > until) throw new Error('orders did not propagate')
      await sleep(20)
    }
  } finally {
    for (const off of offs) off()
  }
}

export async function submitAll(nodes: readonly MarketNode[], orders: readonly SignedOrder[]): Promise<void> {
  await Promise.all(orders.map((o, i) => nodes[i]!.submitOrder(o)))
}
