import { type Address, type Hex, keccak256, stringToHex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import type { Order, SignedOrder, VerifiedOrder } from '../../src/core/order/types.js'
import { Side } from '../../src/core/order/types.js'
import { signOrder } from '../../src/core/order/signOrder.js'
import { acceleratedClock, type Clock } from '../../src/core/time/clock.js'
import { gateClosureMs, intervalStartMs, type MarketTime, marketTime, nextOpenInterval } from '../../src/core/time/interval.js'
import { accountOf } from '../../src/p2p/accountSig.js'
import type { HouseholdRegistry } from '../../src/p2p/binding.js'
import { type AgreementTiming, createMarketNode, type IntervalOutcome, type MarketNode, type MarketNodeInit } from '../../src/p2p/createMarketNode.js'
import type { FaultInjector } from '../../src/p2p/faults.js'

export const DOMAIN = {
  name: 'gridlet',
  version: '1',
  chainId: 31337,
  verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
} as const
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
  await connect(nodes, opts.degree ?? 4)
  await waitForMesh(nodes)
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
    await Promise.all([...targets].map((t) => nodes[i]!.libp2p.dial(nodes[t]!.multiaddrs()[0]!)))
  }
}

/** Waits until every node has a mesh peer and every connection is bound to a household. */
export async function waitForMesh(nodes: readonly MarketNode[], timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (nodes.every((n) => n.stats().meshPeers >= Math.min(2, nodes.length - 1) && n.stats().boundPeers >= 1)) return
    await sleep(100)
  }
  throw new Error(`mesh not formed: ${nodes.map((n) => n.stats().meshPeers).join(',')}`)
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** An interval whose gate closes at least `minLeadMs` (clock) from now. */
export function upcomingInterval(clock: Clock, minLeadMs = 20_000): bigint {
  let k = nextOpenInterval(TIME, clock.now())
  while (gateClosureMs(TIME, k) - clock.now() < minLeadMs) k++
  return BigInt(k)
}

let nonceSeq = 0
export function makeOrder(h: Household, k: bigint, side: Side, quantityWh: bigint, limitPrice: bigint, nonce = 0n): VerifiedOrder {
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
  nonceSeq++
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

/** Resolves with every node's outcome for interval `k`. */
export function outcomesFor(nodes: readonly MarketNode[], k: bigint, timeoutMs = 20_000): Promise<IntervalOutcome[]> {
  return Promise.all(
    nodes.map(
      (n) =>
        new Promise<IntervalOutcome>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no outcome for ${k} from ${n.account}`)), timeoutMs)
          const off = n.onResult((o) => {
            if (o.interval !== k) return
            clearTimeout(timer)
            off()
            resolve(o)
          })
        }),
    ),
  )
}

export async function submitAll(nodes: readonly MarketNode[], orders: readonly SignedOrder[]): Promise<void> {
  await Promise.all(orders.map((o, i) => nodes[i]!.submitOrder(o)))
}
